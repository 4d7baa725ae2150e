using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Incidents.Reporting;

public static class GetReportEndpoint
{
    [WolverineGet("/api/v1/incidents/{incidentId}/report")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor}")]
    public static async Task<IResult> Get(string incidentId, Actor actor, IQuerySession session, CodeRegistry codes, ReadAccessLog reads)
    {
        var found = await GetTraceEndpoint.LoadAsync(session, incidentId, codes);
        if (found is not { } f)
        {
            return Problems.NotFound("The incident");
        }

        await GetTraceEndpoint.RecordReadAsync(reads, actor, $"incident-report:{incidentId}", f.Incident, f.Trace);
        return Results.Content(ReportDocument.Render(f.Trace), "text/html; charset=utf-8");
    }
}
