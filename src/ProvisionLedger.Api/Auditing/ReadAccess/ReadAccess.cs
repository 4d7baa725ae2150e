using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Infrastructure;

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

/// <summary>
/// Another feature's event that is itself a read of records (the portal's <c>RecordsViewed</c>): the access log enters it
/// as the entry it describes, so an auditor's search for a person's reads finds it too.
/// </summary>
public interface IReadAccessEvent
{
    /// <summary>The access log's entry for this read; <paramref name="eventId"/> is the event's id, which the entry's id derives from.</summary>
    ReadAccessEntry AccessEntry(Guid eventId);
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
/// Another feature's record of a read (<see cref="IReadAccessEvent"/>: a Mynaportal view, the portal's own record of it)
/// is entered here as well, so an auditor's search for a person's reads finds the portal's.
/// </summary>
public sealed class ReadAccessProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            if (e.Data is IReadAccessEvent read)
            {
                operations.Store(read.AccessEntry(e.Id));
            }
            else if (e.Data is ReadAccessRecorded recorded)
            {
                operations.Store(new ReadAccessEntry
                {
                    Id = recorded.AccessId,
                    Principal = recorded.Principal,
                    Role = recorded.Role,
                    ActorInstitutionCode = recorded.ActorInstitutionCode,
                    Route = recorded.Route,
                    Path = recorded.Path,
                    Resource = recorded.Resource,
                    SubjectRef = recorded.SubjectRef,
                    InstitutionCode = recorded.InstitutionCode,
                    RecordCount = recorded.RecordCount,
                    At = recorded.At,
                    SortKey = recorded.At.UtcTicks,
                });
            }
        }

        return Task.CompletedTask;
    }
}
