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
    public static readonly PageLimits Limits = new(500, 1000);

    [WolverineGet("/api/v1/incidents/{incidentId}/trace")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor}")]
    public static async Task<IResult> Get(
        string incidentId, PageRequest page, Actor actor, IQuerySession session, CodeRegistry codes, ReadAccessLog reads, Keyset keyset)
    {
        var errors = new FieldErrors();
        var pageSize = page.Size(Limits, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var binding = $"incident-trace|{incidentId}|{pageSize}";
        var after = keyset.Open(page.Cursor, binding, errors, "this trace");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var found = await LoadAsync(session, incidentId, codes);
        if (found is not { } f)
        {
            return Problems.NotFound("The incident");
        }

        // The affected records are in memory, in (requestedAt, exchangeId) order: the page starts after the cursor's record.
        var rest = after is { } a
            ? f.Trace.AffectedRecords.SkipWhile(r => r.RequestedAt.UtcTicks < a.SortKey
                || (r.RequestedAt.UtcTicks == a.SortKey && string.CompareOrdinal(r.ExchangeId, a.Id) <= 0))
            : f.Trace.AffectedRecords;
        var shown = keyset.Page(rest.Take(pageSize + 1).ToList(), pageSize, binding, r => new(r.RequestedAt.UtcTicks, r.ExchangeId));
        await RecordReadAsync(reads, actor, $"incident-trace:{incidentId}", f.Incident, f.Trace);
        return Results.Ok(f.Trace with { AffectedRecords = shown.Items, NextCursor = shown.NextCursor });
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
