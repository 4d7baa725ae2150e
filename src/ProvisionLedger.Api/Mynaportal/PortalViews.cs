using Marten;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>Every view of one person's portal records, whichever stream it was kept in.</summary>
public static class PortalViews
{
    public const string Route = "POST /api/v1/mynaportal/records/search";
    public const string Path = "/api/v1/mynaportal/records/search";
    public const string Resource = "mynaportal/records";

    /// <summary>Marten's name for <see cref="RecordsViewed"/> in <c>mt_events.type</c>; the partial index below filters on it.</summary>
    public const string EventType = "records_viewed";

    public const string IndexName = "ledger_records_viewed_subject";

    /// <summary>Finds a person's views by one index range, in the order they were recorded.</summary>
    public static readonly string Index =
        $"create index if not exists {IndexName} on {LedgerStore.Schema}.mt_events ((data ->> 'subjectRef'), seq_id) " +
        $"where type = '{EventType}'";

    private static readonly string Sql =
        $"select data from {LedgerStore.Schema}.mt_events where type = '{EventType}' and data ->> 'subjectRef' = ? order by seq_id";

    public static async Task<IReadOnlyList<RecordsViewed>> OfAsync(IQuerySession session, string subjectRef, CancellationToken ct) =>
        await session.QueryAsync<RecordsViewed>(Sql, ct, subjectRef);

    /// <summary>The same read, as part of a batch of reads sent in one round trip.</summary>
    public static Task<IReadOnlyList<RecordsViewed>> Of(Marten.Services.BatchQuerying.IBatchedQuery batch, string subjectRef) =>
        batch.Query<RecordsViewed>(Sql, subjectRef);

    /// <summary>A view as the access log enters it: the portal read the person's records, as the viewer or a proxy.</summary>
    public static ReadAccessEntry AccessEntry(RecordsViewed viewed, Guid eventId) => new()
    {
        Id = $"portal-{eventId:n}",
        Principal = viewed.Principal,
        Role = Roles.Mynaportal,
        Route = Route,
        Path = Path,
        Resource = viewed.ViewerKind == "proxy" ? $"{Resource}:proxy" : Resource,
        SubjectRef = viewed.SubjectRef,
        RecordCount = viewed.RecordIds.Length,
        At = viewed.ViewedAt,
        SortKey = viewed.ViewedAt.UtcTicks,
    };
}
