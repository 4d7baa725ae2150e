using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal;

namespace ProvisionLedger.Api.Auditing.ReadAccess;

/// <summary>
/// Someone read ledger records. Kept as an event so the access log is chained like every other record and can never be
/// pruned quietly (the 2023 review could not tell who had looked, because access logs had been kept two months).
/// </summary>
public sealed record ReadAccessRecorded(
    string AccessId,
    string Principal,
    string Role,
    string? ActorInstitutionCode,
    string Route,
    string Path,
    string Resource,
    string? SubjectRef,
    string? InstitutionCode,
    int RecordCount,
    DateTimeOffset At);

/// <summary>One read, queryable by the institution or person whose records were read.</summary>
public sealed class ReadAccessEntry
{
    public string Id { get; set; } = "";

    public string Principal { get; set; } = "";

    public string Role { get; set; } = "";

    public string? ActorInstitutionCode { get; set; }

    public string Route { get; set; } = "";

    public string Path { get; set; } = "";

    public string Resource { get; set; } = "";

    public string? SubjectRef { get; set; }

    public string? InstitutionCode { get; set; }

    public int RecordCount { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>
    /// <see cref="At"/> in UTC ticks: the access log's order (with the id). Not the event's sequence number, which an inline
    /// projection does not know yet when events are appended in Marten's quick mode.
    /// </summary>
    public long SortKey { get; set; }
}

public static class ReadAccessKeys
{
    /// <summary>
    /// One stream per read: concurrent reads never queue on one stream's version row nor race to create the same stream.
    /// Reads are found through <see cref="ReadAccessEntry"/>, not by stream.
    /// </summary>
    public static string Stream(string accessId) => $"read-access:{accessId}";
}

/// <summary>
/// Keeps <see cref="ReadAccessEntry"/> in the appending transaction. Deterministic: all values come from the event.
/// A Mynaportal view is a read of the person's records too: its <see cref="RecordsViewed"/> event (the portal's own
/// record of the view) is entered here as well, so an auditor's search for a person's reads finds the portal's.
/// </summary>
public sealed class ReadAccessProjection : IProjection
{
    public const string PortalRoute = "POST /api/v1/mynaportal/records/search";
    public const string PortalPath = "/api/v1/mynaportal/records/search";
    public const string PortalResource = "mynaportal/records";

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            if (e.Data is RecordsViewed viewed)
            {
                operations.Store(new ReadAccessEntry
                {
                    Id = $"portal-{e.Id:n}",
                    Principal = viewed.Principal,
                    Role = Roles.Mynaportal,
                    Route = PortalRoute,
                    Path = PortalPath,
                    Resource = viewed.ViewerKind == "proxy" ? $"{PortalResource}:proxy" : PortalResource,
                    SubjectRef = viewed.SubjectRef,
                    RecordCount = viewed.RecordIds.Length,
                    At = viewed.ViewedAt,
                    SortKey = viewed.ViewedAt.UtcTicks,
                });
            }
            else if (e.Data is ReadAccessRecorded read)
            {
                operations.Store(new ReadAccessEntry
                {
                    Id = read.AccessId,
                    Principal = read.Principal,
                    Role = read.Role,
                    ActorInstitutionCode = read.ActorInstitutionCode,
                    Route = read.Route,
                    Path = read.Path,
                    Resource = read.Resource,
                    SubjectRef = read.SubjectRef,
                    InstitutionCode = read.InstitutionCode,
                    RecordCount = read.RecordCount,
                    At = read.At,
                    SortKey = read.At.UtcTicks,
                });
            }
        }

        return Task.CompletedTask;
    }
}
