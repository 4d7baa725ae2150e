using Marten;

namespace ProvisionLedger.Api.Auditing.Retention;

/// <summary>An archiving run under the retention policy, itself a ledger event so archiving is recorded, never hidden.</summary>
public sealed record StreamsArchived(string RunId, DateTimeOffset Before, string[] StreamIds, string By, DateTimeOffset At);

/// <summary>
/// 番号法 第23条 records are kept 7 years. A stream whose last event was recorded before the cut-off may be archived:
/// Marten sets <c>is_archived</c> on its rows, which default queries then skip. Nothing is deleted, the chain does not
/// hash <c>is_archived</c>, so the chain and every checkpoint still verify, and each run appends a
/// <see cref="StreamsArchived"/> event naming the streams it archived.
/// </summary>
public static class RetentionPolicy
{
    public const int RetentionYears = 7;
    public const string StreamPrefix = "retention:";

    /// <summary>The latest cut-off allowed on <paramref name="today"/>: nothing younger than the retention period is archived.</summary>
    public static DateTimeOffset LatestCutoff(DateTimeOffset today) => today.AddYears(-RetentionYears);

    /// <summary>How many streams a run with this cut-off would archive in all (for progress).</summary>
    public static async Task<long> CountArchivableAsync(IDocumentStore store, DateTimeOffset before, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var schema = store.Options.Events.DatabaseSchemaName;
        var counts = await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {schema}.mt_streams where timestamp < ? and not coalesce(is_archived, false) and id not like '{StreamPrefix}%'",
            ct, before.ToUniversalTime());
        return counts[0];
    }

    public static async Task<StreamsArchived?> ArchiveAsync(IDocumentStore store, DateTimeOffset before, string by, TimeProvider clock, int batchSize = 500, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        if (before > LatestCutoff(now))
        {
            throw new ArgumentOutOfRangeException(nameof(before), before,
                $"Records are kept {RetentionYears} years: the cut-off may not be later than {LatestCutoff(now):yyyy-MM-dd}.");
        }

        await using var session = store.LightweightSession();
        session.LastModifiedBy = by;
        var schema = store.Options.Events.DatabaseSchemaName;
        var streamIds = await session.AdvancedSql.QueryAsync<string>(
            $"select id from {schema}.mt_streams where timestamp < ? and not coalesce(is_archived, false) and id not like '{StreamPrefix}%' order by id limit ?",
            ct, before.ToUniversalTime(), batchSize);
        if (streamIds.Count == 0)
        {
            return null;
        }

        var run = new StreamsArchived(Guid.NewGuid().ToString("n"), before, streamIds.ToArray(), by, now);
        session.Events.StartStream($"{StreamPrefix}{run.RunId}", run);
        foreach (var id in streamIds)
        {
            session.Events.ArchiveStream(id);
        }

        await session.SaveChangesAsync(ct);
        return run;
    }
}
