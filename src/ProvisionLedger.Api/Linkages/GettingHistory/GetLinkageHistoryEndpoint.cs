using System.Globalization;
using System.Security.Claims;
using JasperFx.Events;
using Marten;
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

public sealed record LinkageHistory(string LinkageId, string InstitutionCode, string LocalRecordId, DateTimeOffset AsOf, IReadOnlyList<LinkageHistoryEntry> Events, LinkageStateAsOf State)
{
    /// <summary>The business time asked for, when one was: then only events that had happened by it count.</summary>
    public DateTimeOffset? ValidAt { get; init; }
}

/// <summary>
/// Every linkage event of a local record up to a moment (by recording time, <c>asOf</c>), and the state as the ledger knew it
/// then; with <c>validAt</c> (business time) only the events that had happened by then, and the state valid at that time.
/// </summary>
public static class GetLinkageHistoryEndpoint
{
    [WolverineGet("/api/v1/linkages/{linkageId}/history")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Auditor},{Roles.IncidentResponder}")]
    public static async Task<IResult> Get(string linkageId, HttpRequest request, ClaimsPrincipal user, IQuerySession session, TimeProvider clock, ReadAccessLog reads)
    {
        var (times, bad) = Bitemporal.FromQuery(request, clock.GetUtcNow());
        if (times is null)
        {
            return bad!;
        }

        var actor = Actor.From(user);
        var linkage = await session.LoadAsync<Linkage>(linkageId);
        if (linkage is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(linkage.InstitutionCode)))
        {
            return Problems.NotFound("The linkage");
        }

        var entries = (await session.Events.FetchStreamAsync(linkage.StreamKey)).Select(Entry)
            .Where(e => times.Includes(e.RecordedAt, e.OccurredAt)).ToList();
        await reads.RecordAsync(user, "linkage-history", 1, subjectRef: linkage.SubjectRef, institutionCode: linkage.InstitutionCode);
        return Results.Ok(new LinkageHistory(
            linkageId, linkage.InstitutionCode, linkage.LocalRecordId, times.AsOf, entries,
            StateOf(times.InStateOrder(entries, e => e.OccurredAt, e => e.Sequence).ToList())) { ValidAt = times.ValidAt });
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
