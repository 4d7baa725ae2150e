using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Incidents.Reporting;

public static class GetReportEndpoint
{
    [WolverineGet("/api/v1/incidents/{incidentId}/report")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor}")]
    public static async Task<IResult> Get(string incidentId, IQuerySession session, CodeRegistry codes)
    {
        var trace = await GetTraceEndpoint.TraceAsync(session, incidentId, codes);
        return trace is null
            ? Problems.NotFound("The incident")
            : Results.Content(ReportDocument.Render(trace), "text/html; charset=utf-8");
    }
}
