using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// An index a feature's listing needs that Marten's index API does not build here: a keyset index (owner, sort_key, id),
/// so a page is one index range, or an expression index on <c>mt_events</c>. Plain DDL, idempotent, named outside
/// Marten's <c>mt_</c> prefix; the feature's mapping tells Marten to ignore it by <see cref="Name"/> (<c>IgnoreIndex</c>),
/// so schema migrations neither drop it nor report it as a difference.
/// </summary>
public sealed record ReadModelIndex(string Name, string Statement);

public static class ReadModelIndexes
{
    /// <summary>Declares an index; every declared index is created at start after Marten's schema, and by <c>db-apply</c>.</summary>
    public static IServiceCollection AddReadModelIndex(this IServiceCollection services, ReadModelIndex index) =>
        services.AddSingleton(index);

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, IEnumerable<ReadModelIndex> indexes, CancellationToken ct)
    {
        foreach (var index in indexes)
        {
            await using var command = dataSource.CreateCommand(index.Statement);
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
