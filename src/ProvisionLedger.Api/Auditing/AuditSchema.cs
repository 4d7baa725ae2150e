using Npgsql;

namespace ProvisionLedger.Api.Auditing;

/// <summary>
/// The audit chain's schema objects, created after Marten's own schema with idempotent DDL. The chain is extended by a
/// deferred constraint trigger on <c>mt_events</c>: it runs at commit, inside the appending transaction, so an event and
/// its link commit or roll back together, whoever wrote the row (Marten, a script, a bulk load).
/// </summary>
/// <remarks>
/// Order: the trigger takes a transaction-scoped advisory lock and holds it until commit, so transactions extend the
/// chain one after another and chain positions commit in order with no gaps. Sequence numbers are drawn before that and
/// may commit out of order; the chain's order is its position, and verification follows it.
/// Taking the lock at commit rather than at the first insert keeps the serialised part short and means the holder never
/// waits for a lock another appender holds (no deadlock with Marten's stream-row locks).
/// The head is the chain's last row, not a one-row head table: updating one row for every event of a large transaction
/// leaves a chain of row versions that each later lookup walks, which made a 100,000-row insert quadratic.
/// Marten appends in READ COMMITTED; a REPEATABLE READ appender would read a stale head and fail on the position key.
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
                || 'timestamp=' || to_char(p_timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
                || 'mt_dotnet_type=' || {{schema}}.audit_field(p_dotnet_type) || E'\n'
                || 'correlation_id=' || {{schema}}.audit_field(p_correlation_id) || E'\n'
                || 'causation_id=' || {{schema}}.audit_field(p_causation_id) || E'\n'
                || 'user_name=' || {{schema}}.audit_field(p_user_name) || E'\n'
                || 'headers=' || {{schema}}.audit_field(p_headers::text) || E'\n'
                || 'data=' || {{schema}}.audit_field(p_data::text) || E'\n'
                || 'bdata=' || coalesce(encode(p_bdata, 'hex'), '~') || E'\n'
            $f$;

        -- Security definer: the service's role may be denied direct writes on the audit tables and still extend the chain.
        create or replace function {{schema}}.audit_chain_append(
            p_seq_id bigint, p_id uuid, p_stream_id text, p_version bigint, p_type text, p_tenant_id text,
            p_timestamp timestamptz, p_dotnet_type text, p_correlation_id text, p_causation_id text, p_user_name text,
            p_headers jsonb, p_data jsonb, p_bdata bytea) returns void
            language plpgsql security definer set search_path = pg_catalog, pg_temp
            as $f$
            declare
                head_position bigint;
                head_link bytea;
                digest bytea;
                next_link bytea;
            begin
                -- Held until commit: one transaction at a time extends the chain, so positions commit in order, gap-free.
                -- The head is read after the lock, from a fresh snapshot (READ COMMITTED), so it includes the previous holder.
                perform pg_advisory_xact_lock(hashtextextended('{{schema}}.audit_chain', 0));
                select position, link into head_position, head_link from {{schema}}.audit_chain order by position desc limit 1;
                if not found then
                    head_position := 0;
                    head_link := decode(repeat('00', 32), 'hex');
                end if;
                digest := sha256(convert_to({{schema}}.audit_canonical(head_position + 1, p_seq_id, p_id, p_stream_id, p_version,
                    p_type, p_tenant_id, p_timestamp, p_dotnet_type, p_correlation_id, p_causation_id, p_user_name, p_headers,
                    p_data, p_bdata), 'UTF8'));
                next_link := sha256(head_link || digest);
                insert into {{schema}}.audit_chain (position, seq_id, event_id, stream_id, event_digest, link)
                    values (head_position + 1, p_seq_id, p_id, p_stream_id, digest, next_link);
            end
            $f$;

        create or replace function {{schema}}.audit_chain_on_insert() returns trigger
            language plpgsql
            as $f$
            begin
                perform {{schema}}.audit_chain_append(new.seq_id, new.id, new.stream_id::text, new.version, new.type, new.tenant_id,
                    new.timestamp, new.mt_dotnet_type, new.correlation_id, new.causation_id, new.user_name, new.headers, new.data,
                    new.bdata);
                return null;
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
            if not exists (select 1 from pg_trigger where tgname = 'audit_chain_extend' and tgrelid = '{{schema}}.mt_events'::regclass) then
                create constraint trigger audit_chain_extend after insert on {{schema}}.mt_events
                    deferrable initially deferred for each row execute function {{schema}}.audit_chain_on_insert();
            end if;
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

        -- First installation only: chain the events written before auditing existed, in seq order. Never again later,
        -- or events written with the trigger bypassed would be laundered into the chain instead of reported.
        do $d$
        declare
            e record;
            n bigint := 0;
        begin
            if not exists (select 1 from {{schema}}.audit_chain_installation) then
                for e in select * from {{schema}}.mt_events order by seq_id loop
                    perform {{schema}}.audit_chain_append(e.seq_id, e.id, e.stream_id::text, e.version, e.type, e.tenant_id,
                        e.timestamp, e.mt_dotnet_type, e.correlation_id, e.causation_id, e.user_name, e.headers, e.data, e.bdata);
                    n := n + 1;
                end loop;
                insert into {{schema}}.audit_chain_installation (singleton, backfilled, sealed_from_seq)
                    values (true, n, coalesce((select max(seq_id) from {{schema}}.mt_events), 0) + 1);
            end if;
        end
        $d$;
        """;

    /// <summary>Creates or updates the audit objects; safe to run at every start, and from several nodes at once.</summary>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, string schema, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // Blocks appends (and other nodes installing) while the trigger and the first backfill go in, so no event slips
        // between "existing events" and "events the trigger sees".
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
