using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.GettingHistory;

public sealed record LinkageHistoryEntry(
    long Sequence,
    long Version,
    string Kind,
    string LinkageId,
    DateTimeOffset RecordedAt,
    DateTimeOffset OccurredAt,
    string? RecordedBy,
    string? CorrelationId,
    string? Method,
    LinkageEvidence? Evidence,
    string? OperatorId,
    IReadOnlyList<string>? CheckerIds,
    string? ApproverId,
    string? Reason,
    string? Details,
    string? IncidentId,
    string? SubjectCode);

public sealed record LinkageStateAsOf(string Status, string? LinkageId, string? SubjectCode, string? Method, DateTimeOffset? LinkedAt, int Checks, int Discrepancies);

public sealed record LinkageHistory(
    string LinkageId, string InstitutionCode, string LocalRecordId, DateTimeOffset AsOf, IReadOnlyList<LinkageHistoryEntry> Events, LinkageStateAsOf State,
    string? NextCursor)
{
    /// <summary>The business time asked for, when one was: then only events that had happened by it count.</summary>
    public DateTimeOffset? ValidAt { get; init; }
}

/// <summary>
/// Every linkage event of a local record up to a moment (by recording time), a page at a time in recording order, and
/// the state as the ledger knew it then. The state is folded in the database from the few events that change it and
/// counts of the re-checks, so a record re-checked 20,000 times costs a page, not its whole stream. With <c>validAt</c>
/// (business time) only the events that had happened by then count, and the state is the one valid at that time.
/// </summary>
public static class GetLinkageHistoryEndpoint
{
    public static readonly PageLimits Limits = new(500, 1000);

    [WolverineGet("/api/v1/linkages/{linkageId}/history")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Auditor},{Roles.IncidentResponder}")]
    public static async Task<IResult> Get(
        string linkageId, HttpRequest request, PageRequest page, Actor actor, IQuerySession session, TimeProvider clock, ReadAccessLog reads,
        Keyset keyset)
    {
        var (times, bad) = Bitemporal.FromQuery(request, clock.GetUtcNow());
        if (times is null)
        {
            return bad!;
        }

        var text = request.Query["asOf"].ToString();
        var asOf = times.AsOf;
        var errors = new FieldErrors();
        var pageSize = page.Size(Limits, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        // The cursor carries the moment of the first page, so that a history read "as of now" pages through one moment.
        var binding = $"linkage-history|{linkageId}|{text}|{times.ValidAt?.UtcTicks}|{pageSize}";
        var after = keyset.Open(page.Cursor, binding, errors, "this history");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (after is { } a && string.IsNullOrEmpty(text))
        {
            asOf = new DateTimeOffset(long.Parse(a.Id, CultureInfo.InvariantCulture), TimeSpan.Zero);
        }

        // Npgsql writes a timestamptz parameter from UTC only; the answer keeps the moment as it was asked for.
        var until = asOf.ToUniversalTime();

        var linkage = await session.LoadAsync<Linkage>(linkageId);
        if (linkage is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(linkage.InstitutionCode)))
        {
            return Problems.NotFound("The linkage");
        }

        // Business time is in the events' data: with validAt, recorded events are read a page at a time until a page of
        // those that had happened by then is found (without validAt, one read).
        var afterSequence = after?.SortKey ?? 0;
        var events = new List<LinkageHistoryEntry>();
        while (true)
        {
            var read = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamKey == linkage.StreamKey && e.Timestamp <= until && e.Sequence > afterSequence)
                .OrderBy(e => e.Sequence).Take(pageSize + 1).ToListAsync();
            events.AddRange(read.Select(Entry).Where(e => times.Includes(e.RecordedAt, e.OccurredAt)));
            if (read.Count <= pageSize || events.Count > pageSize)
            {
                break;
            }

            afterSequence = read[^1].Sequence;
        }

        var entries = events.Take(pageSize).ToList();
        var next = events.Count > pageSize ? keyset.Seal(entries[^1].Sequence, asOf.UtcTicks.ToString(CultureInfo.InvariantCulture), binding) : null;
        var state = await StateAsync(session, linkage.StreamKey, until, times.ValidAt);
        await reads.RecordAsync(actor, "linkage-history", 1, subjectRef: linkage.SubjectRef, institutionCode: linkage.InstitutionCode);
        return Results.Ok(new LinkageHistory(linkageId, linkage.InstitutionCode, linkage.LocalRecordId, asOf, entries, state, next) { ValidAt = times.ValidAt });
    }

    /// <summary>
    /// <see cref="StateOf"/> without reading every re-check: the events that make or end a linkage in full (a handful),
    /// then the re-checks since the last link only counted. With <paramref name="validAt"/>, the events recorded by asOf
    /// that had happened by validAt, folded in business-time order: a back-dated event counts from when it happened.
    /// </summary>
    public static async Task<LinkageStateAsOf> StateAsync(IQuerySession session, string streamKey, DateTimeOffset asOf, DateTimeOffset? validAt = null)
    {
        asOf = asOf.ToUniversalTime();
        if (validAt is not null)
        {
            var recorded = await session.Events.QueryAllRawEvents()
                .Where(e => e.StreamKey == streamKey && e.Timestamp <= asOf).OrderBy(e => e.Sequence).ToListAsync();
            return StateOf(recorded.Select(Entry).Where(e => e.OccurredAt <= validAt).OrderBy(e => e.OccurredAt).ThenBy(e => e.Sequence).ToList());
        }

        var turns = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == streamKey && e.Timestamp <= asOf)
            .Where(e => e.EventTypesAre(typeof(SubjectLinked), typeof(MisLinkageConfirmed), typeof(SubjectUnlinked)))
            .OrderBy(e => e.Sequence).ToListAsync();
        var state = StateOf(turns.Select(Entry).ToList());
        var since = turns.LastOrDefault(e => e.Data is SubjectLinked)?.Sequence ?? 0;
        var checks = session.Events.QueryAllRawEvents().Where(e => e.StreamKey == streamKey && e.Timestamp <= asOf && e.Sequence > since);
        var agreed = await checks.Where(e => e.EventTypesAre(typeof(LinkageVerified))).CountAsync();
        var disagreed = await checks.Where(e => e.EventTypesAre(typeof(LinkageDiscrepancyFound))).CountAsync();
        return state with { Checks = agreed + disagreed, Discrepancies = disagreed };
    }

    public static LinkageStateAsOf StateOf(IReadOnlyList<LinkageHistoryEntry> entries)
    {
        var state = new LinkageStateAsOf("never-linked", null, null, null, null, 0, 0);
        foreach (var e in entries)
        {
            state = e.Kind switch
            {
                "subject-linked" => new LinkageStateAsOf(LinkageStatus.Active, e.LinkageId, e.SubjectCode, e.Method, e.OccurredAt, 0, 0),
                "linkage-verified" => state with { Checks = state.Checks + 1 },
                "linkage-discrepancy-found" => state with { Checks = state.Checks + 1, Discrepancies = state.Discrepancies + 1 },
                "mislinkage-confirmed" when e.LinkageId == state.LinkageId => state with { Status = LinkageStatus.MisLinked },
                "subject-unlinked" when e.LinkageId == state.LinkageId => state with { Status = LinkageStatus.Unlinked },
                _ => state,
            };
        }

        return state;
    }

    private static LinkageHistoryEntry Entry(IEvent e)
    {
        var entry = new LinkageHistoryEntry(e.Sequence, e.Version, e.EventTypeName, "", e.Timestamp, e.Timestamp, e.UserName, e.CorrelationId,
            null, null, null, null, null, null, null, null, null);
        return e.Data switch
        {
            SubjectLinked x => entry with
            {
                Kind = "subject-linked", LinkageId = x.LinkageId, OccurredAt = x.OccurredAt, Method = x.Method, Evidence = x.Evidence,
                OperatorId = x.OperatorId, CheckerIds = x.CheckerIds, ApproverId = x.ApproverId, Reason = x.Reason, IncidentId = x.IncidentId,
                SubjectCode = x.InstitutionSubjectCode,
            },
            LinkageVerified x => entry with { Kind = "linkage-verified", LinkageId = x.LinkageId, OccurredAt = x.OccurredAt, Method = x.Method, Details = x.Details },
            LinkageDiscrepancyFound x => entry with
            {
                Kind = "linkage-discrepancy-found", LinkageId = x.LinkageId, OccurredAt = x.OccurredAt, Method = x.Method, Details = x.Details,
            },
            MisLinkageConfirmed x => entry with
            {
                Kind = "mislinkage-confirmed", LinkageId = x.LinkageId, OccurredAt = x.DiscoveredAt, Reason = x.Cause, IncidentId = x.IncidentId,
                OperatorId = x.DiscoveredBy,
            },
            SubjectUnlinked x => entry with { Kind = "subject-unlinked", LinkageId = x.LinkageId, OccurredAt = x.OccurredAt, Reason = x.Reason },
            _ => entry,
        };
    }
}
