using Npgsql;

namespace ProvisionLedger.Api.Auditing;

/// <summary>
/// The audit objects, created after Marten's own schema with idempotent DDL: the chain, checkpoints, seals, keys, the
/// proof cache, the append-only guards, and <c>audit_chain_integrate</c>, which the elected integrator
/// (<c>Chaining/ChainIntegrator</c>) calls to append committed events to the chain, off the writers' commit path.
/// </summary>
/// <remarks>
/// The chain's order is its position, given at integration, in seq_id order up to a bound below which nothing can still
/// commit. Integration is serialised by a transaction-scoped advisory lock, so positions are gap-free whoever calls it.
/// The head is the chain's last row, not a one-row head table: updating one row for every event of a large batch leaves
/// a chain of row versions that each later lookup walks.
/// <c>audit_canonical</c> must build the same text as <c>ProvisionLedger.Integrity.CanonicalEvent.Text</c>.
/// </remarks>
public static class AuditSchema
{
    public static string Sql(string schema) => $$"""
        create table if not exists {{schema}}.audit_chain (
            position bigint primary key,
            seq_id bigint not null unique,
            event_id uuid not null,
            stream_id text,
            event_digest bytea not null,
            link bytea not null);
        create index if not exists ix_audit_chain_event_id on {{schema}}.audit_chain (event_id);

        -- When the chain was installed: events recorded before then were chained by the one-time backfill below.
        create table if not exists {{schema}}.audit_chain_installation (
            singleton boolean primary key default true check (singleton),
            installed_at timestamptz not null default now(),
            backfilled bigint not null default 0);

        create table if not exists {{schema}}.audit_checkpoints (
            id bigint generated always as identity primary key,
            sequence bigint not null,
            last_seq_id bigint,
            chain_head bytea not null,
            merkle_root bytea not null,
            signed_at timestamptz not null,
            key_id text not null,
            public_key_pem text not null,
            signature bytea not null);
        -- Not signed: lets the next checkpoint extend the Merkle tree from here. A wrong one only yields a checkpoint
        -- that verification rejects.
        alter table {{schema}}.audit_checkpoints add column if not exists merkle_frontier bytea[];

        -- The checkpoint as a C2SP signed note: the log's signature over "origin\nsize\nbase64(root)\n".
        alter table {{schema}}.audit_checkpoints add column if not exists note_signature bytea;
        alter table {{schema}}.audit_checkpoints add column if not exists origin text;
        -- Witnesses' cosignatures of checkpoints, posted back by them (POST /api/v1/audit/checkpoints/{id}/cosignatures).
        create table if not exists {{schema}}.audit_cosignatures (
            id bigint generated always as identity primary key,
            checkpoint_id bigint not null references {{schema}}.audit_checkpoints (id),
            witness text not null,
            key_hash bytea not null,
            signature bytea not null,
            public_key_pem text not null,
            received_at timestamptz not null default now());

        -- Seals: one row per appending transaction, an ECDSA signature by the service's seal key (never in the database)
        -- over the seq ids and position-free digests of the transaction's events (ProvisionLedger.Integrity.EventSeal).
        create table if not exists {{schema}}.audit_seals (
            id bigint generated always as identity primary key,
            sealed_at timestamptz not null,
            key_id text not null,
            seq_ids bigint[] not null,
            digests bytea[] not null,
            signature bytea not null);
        -- The public keys the service seals and signs with, by key id: written by the owner login at start, read by verify
        -- when the auditor gives no key of their own.
        create table if not exists {{schema}}.audit_keys (
            key_id text primary key,
            public_key_pem text not null,
            purpose text not null,
            registered_at timestamptz not null default now());

        -- Events recorded before seals existed (seq id below this) are covered by the chain alone.
        alter table {{schema}}.audit_chain_installation add column if not exists sealed_from_seq bigint;
        update {{schema}}.audit_chain_installation set sealed_from_seq = coalesce((select max(seq_id) from {{schema}}.mt_events), 0) + 1
            where sealed_from_seq is null;

        -- A cache for inclusion proofs: the Merkle hash of each full block of 1,024 chain positions (block 0 holds positions
        -- 1..1024). Derived from audit_chain; a wrong row only yields a proof that fails verification against the signed root.
        create table if not exists {{schema}}.audit_merkle_blocks (block bigint primary key, hash bytea not null);

        create or replace function {{schema}}.audit_field(value text) returns text
            language sql immutable parallel safe
            as $f$ select case when value is null then '~' else octet_length(value)::text || ':' || value end $f$;

        create or replace function {{schema}}.audit_canonical(
            p_position bigint, p_seq_id bigint, p_id uuid, p_stream_id text, p_version bigint, p_type text, p_tenant_id text,
            p_timestamp timestamptz, p_dotnet_type text, p_correlation_id text, p_causation_id text, p_user_name text,
            p_headers jsonb, p_data jsonb, p_bdata bytea) returns text
            language sql stable parallel safe
            as $f$
            select 'provision-ledger/event/v1' || E'\n'
                || 'position=' || p_position::text || E'\n'
                || 'seq_id=' || p_seq_id::text || E'\n'
                || 'id=' || p_id::text || E'\n'
                || 'stream_id=' || {{schema}}.audit_field(p_stream_id) || E'\n'
                || 'version=' || p_version::text || E'\n'
                || 'type=' || {{schema}}.audit_field(p_type) || E'\n'
                || 'tenant_id=' || {{schema}}.audit_field(p_tenant_id) || E'\n'
                || 'timestamp=' || case when isfinite(p_timestamp)
                       then to_char(p_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                       else p_timestamp::text end || E'\n'
                || 'mt_dotnet_type=' || {{schema}}.audit_field(p_dotnet_type) || E'\n'
                || 'correlation_id=' || {{schema}}.audit_field(p_correlation_id) || E'\n'
                || 'causation_id=' || {{schema}}.audit_field(p_causation_id) || E'\n'
                || 'user_name=' || {{schema}}.audit_field(p_user_name) || E'\n'
                || 'headers=' || {{schema}}.audit_field(p_headers::text) || E'\n'
                || 'data=' || {{schema}}.audit_field(p_data::text) || E'\n'
                || 'bdata=' || coalesce(encode(p_bdata, 'hex'), '~') || E'\n'
            $f$;

        -- The chain is no longer extended in the writers' transactions (a deferred trigger under one lock, up to this
        -- version): the integrator (ChainIntegrator) appends committed events in batches instead.
        drop trigger if exists audit_chain_extend on {{schema}}.mt_events;
        drop function if exists {{schema}}.audit_chain_on_insert();
        drop function if exists {{schema}}.audit_chain_append(bigint, uuid, text, bigint, text, text, timestamptz, text, text, text, text, jsonb, jsonb, bytea);

        -- Appends to the chain, in seq_id order, the committed events with p_after < seq_id <= p_bound not chained yet (at most
        -- p_limit); returns how many. The caller chooses p_bound so that no lower sequence number can still commit
        -- (ChainIntegrator: Marten's high-water mark, a gap-free run, or every transaction that could hold a gap ended).
        -- Security definer, so the runtime login can integrate without any write right on audit_chain; it only ever
        -- chains rows that are in mt_events, in order, so calling it early or often does no harm. One caller at a time:
        -- the transaction-scoped lock is held to commit.
        create or replace function {{schema}}.audit_chain_integrate(p_after bigint, p_bound bigint, p_limit integer) returns bigint
            language plpgsql security definer set search_path = pg_catalog, pg_temp
            as $f$
            declare
                head_position bigint;
                head_link bytea;
                digest bytea;
                e record;
                n bigint := 0;
            begin
                perform pg_advisory_xact_lock(hashtextextended('{{schema}}.audit_chain', 0));
                select position, link into head_position, head_link from {{schema}}.audit_chain order by position desc limit 1;
                if not found then
                    head_position := 0;
                    head_link := decode(repeat('00', 32), 'hex');
                end if;
                for e in select m.* from {{schema}}.mt_events m
                         where m.seq_id > p_after and m.seq_id <= p_bound
                           and not exists (select 1 from {{schema}}.audit_chain c where c.seq_id = m.seq_id)
                         order by m.seq_id limit p_limit loop
                    head_position := head_position + 1;
                    digest := sha256(convert_to({{schema}}.audit_canonical(head_position, e.seq_id, e.id, e.stream_id::text, e.version,
                        e.type, e.tenant_id, e.timestamp, e.mt_dotnet_type, e.correlation_id, e.causation_id, e.user_name, e.headers,
                        e.data, e.bdata), 'UTF8'));
                    head_link := sha256(head_link || digest);
                    insert into {{schema}}.audit_chain (position, seq_id, event_id, stream_id, event_digest, link)
                        values (head_position, e.seq_id, e.id, e.stream_id::text, digest, head_link);
                    n := n + 1;
                end loop;
                return n;
            end
            $f$;

        -- The product never edits or deletes an event; archiving (is_archived set to true, nothing else) is the one change.
        create or replace function {{schema}}.audit_guard_events() returns trigger
            language plpgsql
            as $f$
            declare
                unarchived {{schema}}.mt_events;
            begin
                if tg_op = 'UPDATE' and new.is_archived then
                    unarchived := new;
                    unarchived.is_archived := old.is_archived;
                    if unarchived is not distinct from old then
                        return new;
                    end if;
                end if;
                raise exception 'ledger events are append-only: % of seq_id % refused', tg_op, old.seq_id
                    using errcode = 'insufficient_privilege';
            end
            $f$;

        create or replace function {{schema}}.audit_guard_append_only() returns trigger
            language plpgsql
            as $f$
            begin
                raise exception '%.% is append-only: % refused', tg_table_schema, tg_table_name, tg_op
                    using errcode = 'insufficient_privilege';
            end
            $f$;

        do $d$
        begin
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.mt_events'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.mt_events
                    for each row execute function {{schema}}.audit_guard_events();
            end if;
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.audit_chain'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.audit_chain
                    for each row execute function {{schema}}.audit_guard_append_only();
                create trigger audit_guard_truncate before truncate on {{schema}}.audit_chain
                    for each statement execute function {{schema}}.audit_guard_append_only();
            end if;
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.audit_checkpoints'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.audit_checkpoints
                    for each row execute function {{schema}}.audit_guard_append_only();
                create trigger audit_guard_truncate before truncate on {{schema}}.audit_checkpoints
                    for each statement execute function {{schema}}.audit_guard_append_only();
            end if;
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.audit_cosignatures'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.audit_cosignatures
                    for each row execute function {{schema}}.audit_guard_append_only();
                create trigger audit_guard_truncate before truncate on {{schema}}.audit_cosignatures
                    for each statement execute function {{schema}}.audit_guard_append_only();
            end if;
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.audit_keys'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.audit_keys
                    for each row execute function {{schema}}.audit_guard_append_only();
                create trigger audit_guard_truncate before truncate on {{schema}}.audit_keys
                    for each statement execute function {{schema}}.audit_guard_append_only();
            end if;
            if not exists (select 1 from pg_trigger where tgname = 'audit_guard' and tgrelid = '{{schema}}.audit_seals'::regclass) then
                create trigger audit_guard before update or delete on {{schema}}.audit_seals
                    for each row execute function {{schema}}.audit_guard_append_only();
                create trigger audit_guard_truncate before truncate on {{schema}}.audit_seals
                    for each statement execute function {{schema}}.audit_guard_append_only();
            end if;
        end
        $d$;

        -- First installation: events written before auditing existed are chained by the integrator like any others.
        insert into {{schema}}.audit_chain_installation (singleton, backfilled, sealed_from_seq)
            select true, (select count(*) from {{schema}}.mt_events), coalesce((select max(seq_id) from {{schema}}.mt_events), 0) + 1
            where not exists (select 1 from {{schema}}.audit_chain_installation);
        """;

    /// <summary>Creates or updates the audit objects; safe to run at every start, and from several nodes at once.</summary>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Blocks appends (and other nodes installing) while the installation is recorded, so sealed_from_seq is exact.
        await using (var lockEvents = new NpgsqlCommand($"lock table {schema}.mt_events in share row exclusive mode", connection, tx))
        {
            await lockEvents.ExecuteNonQueryAsync(ct);
        }

        await using (var encoding = new NpgsqlCommand("show server_encoding", connection, tx))
        {
            if ((string?)await encoding.ExecuteScalarAsync(ct) != "UTF8")
            {
                throw new InvalidOperationException("The audit chain hashes UTF-8 byte lengths: the database must use UTF8 encoding.");
            }
        }

        await using (var ddl = new NpgsqlCommand(Sql(schema), connection, tx))
        {
            await ddl.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
    }
}
