using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>Every view of one person's portal records, whichever stream it was kept in.</summary>
public static class PortalViews
{
    /// <summary>Marten's name for <see cref="RecordsViewed"/> in <c>mt_events.type</c>; the partial index below filters on it.</summary>
    public const string EventType = "records_viewed";

    /// <summary>Finds a person's views by one index range, in the order they were recorded.</summary>
    public static readonly string Index =
        $"create index if not exists ledger_records_viewed_subject on {LedgerStore.Schema}.mt_events ((data ->> 'subjectRef'), seq_id) " +
        $"where type = '{EventType}'";

    private static readonly string Sql =
        $"select data from {LedgerStore.Schema}.mt_events where type = '{EventType}' and data ->> 'subjectRef' = ? order by seq_id";

    public static async Task<IReadOnlyList<RecordsViewed>> OfAsync(IQuerySession session, string subjectRef, CancellationToken ct) =>
        await session.QueryAsync<RecordsViewed>(Sql, ct, subjectRef);

    /// <summary>The same read, as part of a batch of reads sent in one round trip.</summary>
    public static Task<IReadOnlyList<RecordsViewed>> Of(Marten.Services.BatchQuerying.IBatchedQuery batch, string subjectRef) =>
        batch.Query<RecordsViewed>(Sql, subjectRef);
}
