#!/bin/sh
# Run once by the postgres image on a fresh data volume (docker-compose.yml): the two logins of ops/README.md,
# "Database logins". Both take the database password given to compose (LEDGER_DB_PASSWORD, here POSTGRES_PASSWORD).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v pw="$POSTGRES_PASSWORD" <<'SQL'
create role ledger_owner login password :'pw';
create role ledger_service login password :'pw';
alter database provision_ledger owner to ledger_owner;
SQL
