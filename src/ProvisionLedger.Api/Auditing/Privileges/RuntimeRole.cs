using Npgsql;

namespace ProvisionLedger.Api.Auditing.Privileges;

/// <summary>
/// What the runtime login may do on the ledger's schema, granted by the owner login at every start, and the check
/// that it may do no more. It reads everything and writes read models, Wolverine's envelopes and Marten's
/// bookkeeping; on the evidence it may only add: insert events (and mark them archived), seals, checkpoints and
/// proof-cache rows. It cannot update or delete an event, truncate, alter or disable a trigger (only an owner can
/// alter a table), or delete a checkpoint.
/// </summary>
public static class RuntimeRole
{
    /// <summary>Tables the runtime login may add to and never change: the evidence.</summary>
    public static readonly string[] AppendOnly = ["mt_events", "audit_chain", "audit_checkpoints", "audit_seals", "audit_merkle_blocks", "audit_cosignatures"];

    /// <summary>Owner-only tables: the runtime login reads them and nothing else.</summary>
    public static readonly string[] ReadOnly = ["audit_chain_installation", "audit_keys"];

    public static string GrantSql(string schema, string role)
    {
        var r = Quote(role);
        var guarded = string.Join(", ", AppendOnly.Concat(ReadOnly).Select(t => $"{schema}.{t}"));
        return $"""
            grant usage on schema {schema} to {r};
            grant select, insert, update, delete on all tables in schema {schema} to {r};
            revoke truncate, references, trigger on all tables in schema {schema} from {r};
            revoke insert, update, delete on {guarded} from {r};
            revoke delete on {schema}.mt_streams from {r};
            grant insert on {schema}.mt_events, {schema}.audit_checkpoints, {schema}.audit_seals, {schema}.audit_merkle_blocks, {schema}.audit_cosignatures to {r};
            -- Marten's archiving (retention) sets is_archived and nothing else; the guard trigger checks the same.
            grant update (is_archived) on {schema}.mt_events to {r};
            grant usage, select, update on all sequences in schema {schema} to {r};
            grant execute on all functions in schema {schema} to {r};
            """;
    }

    /// <summary>Grants the runtime login its rights; run by the owner login after the schema is applied.</summary>
    public static async Task GrantAsync(NpgsqlDataSource owner, string schema, string role, CancellationToken ct = default)
    {
        await using var command = owner.CreateCommand(GrantSql(schema, role));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Every way the runtime login exceeds its rights on <paramref name="schema"/>; empty when it is least-privileged.
    /// Read through the owner login (the catalog answers the same to both).
    /// </summary>
    public static async Task<List<string>> ExcessAsync(NpgsqlDataSource dataSource, string schema, string role, CancellationToken ct = default)
    {
        var problems = new List<string>();
        await using (var command = dataSource.CreateCommand("""
            select r.rolsuper, r.rolbypassrls,
                   exists (select 1 from pg_namespace n where n.nspname = @schema and n.nspowner = r.oid),
                   (select string_agg(c.relname, ', ' order by c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = @schema and c.relowner = r.oid),
                   exists (select 1 from pg_namespace n where n.nspname = @schema and n.nspowner <> r.oid
                           and pg_has_role(r.oid, n.nspowner, 'USAGE'))
            from pg_roles r where r.rolname = @role
            """))
        {
            command.Parameters.AddWithValue("schema", schema);
            command.Parameters.AddWithValue("role", role);
            await using var r = await command.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct))
            {
                return [$"the role {role} does not exist"];
            }

            if (r.GetBoolean(0))
            {
                problems.Add($"{role} is a superuser");
            }

            if (r.GetBoolean(1))
            {
                problems.Add($"{role} bypasses row-level security");
            }

            if (r.GetBoolean(2))
            {
                problems.Add($"{role} owns the schema {schema}");
            }

            if (!r.IsDBNull(3))
            {
                problems.Add($"{role} owns {schema}.{r.GetString(3)}");
            }

            if (r.GetBoolean(4))
            {
                problems.Add($"{role} is a member of the role that owns {schema}");
            }
        }

        foreach (var table in AppendOnly.Concat(ReadOnly))
        {
            await using var command = dataSource.CreateCommand(
                "select to_regclass(@table) is not null and has_table_privilege(@role, @table, 'UPDATE, DELETE, TRUNCATE, TRIGGER')");
            command.Parameters.AddWithValue("table", $"{schema}.{table}");
            command.Parameters.AddWithValue("role", role);
            if ((bool)(await command.ExecuteScalarAsync(ct))!)
            {
                problems.Add($"{role} may update, delete, truncate or add triggers to {schema}.{table}");
            }
        }

        return problems;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
