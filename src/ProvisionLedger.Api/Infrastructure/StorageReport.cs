using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>One table or index of the ledger's schema and the bytes it takes on disk.</summary>
/// <param name="Table">The table (for an index, the table it belongs to).</param>
/// <param name="Index">The index, or null for the table's own row (heap and TOAST).</param>
/// <param name="Bytes">The table's heap + TOAST (<c>pg_table_size</c>), or the index's size (<c>pg_relation_size</c>).</param>
public sealed record StorageRow(string Table, string? Index, long Bytes);

/// <summary>
/// What the ledger's schema takes on disk, per table and per index: the benchmark prints it divided by the exchanges
/// loaded (bytes per exchange), and an operator can run <see cref="Sql"/> as it is in psql.
/// </summary>
public static class StorageReport
{
    /// <summary>
    /// One row per table (index null: heap + TOAST) and one per index, largest first within each table; tables by total
    /// size. Parameter: the schema.
    /// </summary>
    public const string Sql = """
        select c.relname as table_name, null::text as index_name, pg_table_size(c.oid) as bytes, pg_total_relation_size(c.oid) as total
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = @schema and c.relkind in ('r', 'p')
        union all
        select t.relname, i.relname, pg_relation_size(i.oid), pg_total_relation_size(t.oid)
        from pg_index x
        join pg_class i on i.oid = x.indexrelid
        join pg_class t on t.oid = x.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = @schema
        order by total desc, table_name, index_name nulls first, bytes desc
        """;

    public static async Task<IReadOnlyList<StorageRow>> ReadAsync(NpgsqlConnection connection, string schema = LedgerStore.Schema, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("schema", schema);
        var rows = new List<StorageRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new StorageRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>The rows as text: each table's total and its parts, in bytes per exchange for <paramref name="exchanges"/> exchanges.</summary>
    public static string Format(IReadOnlyList<StorageRow> rows, long exchanges)
    {
        var per = (double)Math.Max(exchanges, 1);
        var text = new System.Text.StringBuilder();
        text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
            $"storage per exchange ({exchanges:N0} exchanges): {rows.Sum(r => r.Bytes) / per:N0} B");
        foreach (var table in rows.GroupBy(r => r.Table).OrderByDescending(g => g.Sum(r => r.Bytes)))
        {
            text.AppendLine(System.Globalization.CultureInfo.InvariantCulture, $"  {table.Key,-40} {table.Sum(r => r.Bytes) / per,8:N0} B");
            foreach (var row in table)
            {
                text.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                    $"    {(row.Index ?? "(rows, TOAST)"),-38} {row.Bytes / per,8:N0} B");
            }
        }

        return text.ToString();
    }
}
