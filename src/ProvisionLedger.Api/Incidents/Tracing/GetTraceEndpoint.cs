using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using Wolverine.Http;

namespace ProvisionLedger.Api.Incidents.Tracing;

public static class GetTraceEndpoint
{
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 1000;

    [WolverineGet("/api/v1/incidents/{incidentId}/trace")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor}")]
    public static async Task<IResult> Get(
        string incidentId, HttpRequest request, Actor actor, IQuerySession session, CodeRegistry codes, ReadAccessLog reads, CursorSealer cursors)
    {
        var pageSize = DefaultPageSize;
        if (request.Query.TryGetValue("pageSize", out var size) && (!int.TryParse(size, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return Problems.Validation("pageSize", $"must be a whole number between 1 and {MaxPageSize}.");
        }

        var binding = $"incident-trace|{incidentId}|{pageSize}";
        (long RequestedAt, string ExchangeId)? after;
        try
        {
            after = cursors.Open(request.Query["cursor"].ToString(), binding);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation("cursor", "is not a cursor of this trace.");
        }

        var found = await LoadAsync(session, incidentId, codes);
        if (found is not { } f)
        {
            return Problems.NotFound("The incident");
        }

        var rest = after is { } a
            ? f.Trace.AffectedRecords.SkipWhile(r => r.RequestedAt.UtcTicks < a.RequestedAt
                || (r.RequestedAt.UtcTicks == a.RequestedAt && string.CompareOrdinal(r.ExchangeId, a.ExchangeId) <= 0))
            : f.Trace.AffectedRecords;
        var page = rest.Take(pageSize + 1).ToList();
        var shown = page.Take(pageSize).ToList();
        var next = page.Count > pageSize ? cursors.Seal(shown[^1].RequestedAt.UtcTicks, shown[^1].ExchangeId, binding) : null;
        await RecordReadAsync(reads, actor, $"incident-trace:{incidentId}", f.Incident, f.Trace);
        return Results.Ok(f.Trace with { AffectedRecords = shown, NextCursor = next });
    }

    /// <summary>
    /// A trace reads both persons' records: the read is logged against each, so either person's access search finds it.
    /// Both records are handed to the group committer at once, so they share one commit.
    /// </summary>
    public static async Task RecordReadAsync(ReadAccessLog reads, Actor actor, string resource, Incident incident, IncidentTrace trace)
    {
        var wrong = reads.RecordAsync(actor, resource, trace.AffectedRecordCount, subjectRef: incident.WrongSubjectRef, institutionCode: incident.InstitutionCode);
        var owner = incident.CorrectSubjectRef is { } trueOwner
            ? reads.RecordAsync(actor, resource, trace.AffectedRecordCount, subjectRef: trueOwner, institutionCode: incident.InstitutionCode)
            : Task.CompletedTask;
        await Task.WhenAll(wrong, owner);
    }

    public static async Task<IncidentTrace?> TraceAsync(IQuerySession session, string incidentId, CodeRegistry codes, CancellationToken ct = default) =>
        (await LoadAsync(session, incidentId, codes, ct))?.Trace;

    /// <summary>
    /// Four reads, each by key or index, in two round trips: the incident, then in one batch its linkage, the records
    /// made under the linkage (a BitmapOr of the two linkage-id indexes of <see cref="LinkedExchange"/>) and the wrong
    /// person's portal views (the partial index <c>ledger_records_viewed_subject</c>).
    /// </summary>
    public static async Task<(Incident Incident, IncidentTrace Trace)?> LoadAsync(
        IQuerySession session, string incidentId, CodeRegistry codes, CancellationToken ct = default)
    {
        var incident = await session.LoadAsync<Incident>(incidentId, ct);
        if (incident is null)
        {
            return null;
        }

        var batch = session.CreateBatchQuery();
        var linkageRead = batch.Load<Linkage>(incident.LinkageId);
        var madeRead = batch.Query<LinkedExchange>()
            .Where(x => x.InquirerLinkageId == incident.LinkageId || x.ProviderLinkageId == incident.LinkageId)
            .ToList();
        var viewsRead = PortalViews.Of(batch, incident.WrongSubjectRef);
        await batch.Execute(ct);
        var linkage = await linkageRead
                      ?? throw new InvalidOperationException($"Incident {incidentId} names linkage {incident.LinkageId}, which does not exist.");
        return (incident, TraceBuilder.Build(incident, linkage, await madeRead, await viewsRead, codes));
    }
}
