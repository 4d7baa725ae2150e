using Marten;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>A column Marten duplicates out of a document's JSON (<c>Duplicate(x => ...)</c>), with its PostgreSQL type.</summary>
public sealed record DuplicatedColumn<T>(string Name, string PgType, Func<IReadOnlyList<T>, Array> Values);

/// <summary>
/// Writes the documents a projection produced for a whole batch of events as one set-based statement per table:
/// <c>insert ... select from unnest(arrays) on conflict (id) do update</c>, queued on the Marten session so it runs in the
/// events' transaction, in the same batch of commands. What lands in the table is what <c>Store</c> would write: the
/// JSON from the store's own serializer and the duplicated columns; a thousand documents cost one statement instead of a
/// thousand. The single routes go through it too (a batch of one), so both write the same rows. Its tables keep none of
/// Marten's informational columns (<see cref="DocumentRowsMapping.WrittenSetBased"/>): the .NET type, version and
/// last-modified time were ~70 bytes a row that nothing reads.
/// </summary>
public sealed class DocumentRows<T>(string table, Func<T, string> id, params DuplicatedColumn<T>[] duplicated) where T : notnull
{
    private string? _sql;

    public string Table => table;

    /// <summary>
    /// The new <c>data</c> of a row already stored, as SQL over <c>t.data</c> (stored) and <c>excluded.data</c> (this
    /// batch's); default: this batch's document replaces the stored one, as <c>Store</c> does.
    /// </summary>
    public string Merge { get; init; } = "excluded.data";

    /// <summary>Queues the upsert of <paramref name="documents"/> (each id at most once) on <paramref name="operations"/>.</summary>
    public void Upsert(IDocumentOperations operations, IReadOnlyCollection<T> documents)
    {
        if (documents.Count == 0)
        {
            return;
        }

        var rows = documents as IReadOnlyList<T> ?? [.. documents];
        var serializer = operations.DocumentStore.Options.Serializer();
        var ids = new string[rows.Count];
        var data = new string[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            ids[i] = id(rows[i]);
            data[i] = serializer.ToJson(rows[i]);
        }

        var parameters = new object[2 + duplicated.Length];
        parameters[0] = ids;
        parameters[1] = data;
        for (var c = 0; c < duplicated.Length; c++)
        {
            parameters[2 + c] = duplicated[c].Values(rows);
        }

        operations.QueueSqlCommand(_sql ??= Upsert(table, Merge, duplicated), parameters);
    }

    private static string Upsert(string table, string merge, DuplicatedColumn<T>[] duplicated)
    {
        var columns = string.Concat(duplicated.Select(c => $", {c.Name}"));
        var arrays = string.Concat(duplicated.Select(c => $", ?::{c.PgType}[]"));
        var updates = string.Concat(duplicated.Select(c => $", {c.Name} = excluded.{c.Name}"));
        return $"insert into {LedgerStore.Schema}.{table} as t (id, data{columns}) "
               + $"select r.* from unnest(?::varchar[], ?::jsonb[]{arrays}) as r "
               + $"on conflict (id) do update set data = {merge}{updates}";
    }
}

public static class DocumentRowsMapping
{
    /// <summary>The mapping of a table written by <see cref="DocumentRows{T}"/>: without Marten's informational columns.</summary>
    public static MartenRegistry.DocumentMappingExpression<T> WrittenSetBased<T>(this MartenRegistry.DocumentMappingExpression<T> mapping) =>
        mapping.Metadata(m => m.DisableInformationalFields());
}

/// <summary>
/// Duplicated columns that get no index of their own: Marten's <c>Duplicate</c> indexes every column it duplicates, but
/// where a composite keyset index (ReadModelIndexes) leads with the column, or no query filters on it alone, that index
/// only costs space and a write per row. The column itself is still written and queried.
/// </summary>
public static class ColumnsWithoutIndex
{
    public static void Add<T>(StoreOptions opts, params string[] members) =>
        opts.Policies.ForAllDocuments(mapping =>
        {
            if (mapping.DocumentType == typeof(T))
            {
                foreach (var member in members)
                {
                    mapping.DuplicateField(member);
                }
            }
        });
}
