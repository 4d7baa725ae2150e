-- Run once by the postgres image on a fresh data volume (docker-compose.yml): the two logins of ops/README.md,
-- "Database logins". Passwords here are for local use only.
create role ledger_owner login password 'ledger-owner';
create role ledger_service login password 'ledger-service';
alter database provision_ledger owner to ledger_owner;
-- PostgreSQL 15 already keeps PUBLIC from creating in the public schema; the service uses its own schema, ledger.
