using Marten;
using ProvisionLedger.Api.Auditing.ReadAccess;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Incidents.Reporting;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Incidents.Listing;

public sealed record IncidentSummary(
    string IncidentId,
    string InstitutionCode,
    string InstitutionName,
    string LinkageId,
    string LocalRecordId,
    DateTimeOffset LinkedAt,
    DateTimeOffset DiscoveredAt,
    string DiscoveredBy,
    string Cause,
    bool Relinked,
    int InquirerRecords,
    int ProviderRecords,
    DateTimeOffset CorrectedAt,
    DateTimeOffset PreliminaryDueBy,
    DateTimeOffset FinalDueBy);

public sealed record IncidentPage(IReadOnlyList<IncidentSummary> Items, string? NextCursor);

/// <summary>Mis-linkage incidents of an institution (or all, for responders and auditors) discovered in a period, newest first.</summary>
public static class ListIncidentsEndpoint
{
    public static readonly PageLimits Limits = new(100, 500);

    [WolverineGet("/api/v1/incidents")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor},{Roles.Institution}")]
    public static async Task<IResult> Get(
        HttpRequest request, PageRequest page, Actor actor, StandbyReads standby, Keyset keyset, CodeRegistry codes, ReadAccessLog reads)
    {
        var errors = new FieldErrors();
        var institution = request.Query["institutionCode"].ToString();
        if (institution.Length == 0)
        {
            institution = actor.Is(Roles.Institution) ? actor.InstitutionCode ?? "" : "";
        }
        else if (codes.InstitutionProblem(institution) is { } problem)
        {
            errors.Add("institutionCode", problem);
        }

        var from = QueryTime.Read(request, "from", errors);
        var to = QueryTime.Read(request, "to", errors);
        var pageSize = page.Size(Limits, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (actor.Is(Roles.Institution) && !actor.IsInstitution(institution))
        {
            return Problems.NotFound("The institution's incidents");
        }

        var binding = $"incidents|{institution}|{from?.UtcTicks}|{to?.UtcTicks}";
        var after = keyset.Open(page.Cursor, binding, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = new KeysetQuery(newestFirst: true);
        if (institution.Length > 0)
        {
            query.And("d.institution_code = ?", institution);
        }

        KeysetPage<Incident> shown;
        await using (var read = await standby.OpenAsync())
        {
            shown = await keyset.ReadAsync<Incident>(read.Session, query.Period(from, to), after, pageSize, binding, i => new(i.SortKey, i.Id));
        }

        await reads.RecordAsync(actor, "incidents", null, ReadAccessLog.PerInstitution(shown.Items.Select(i => i.InstitutionCode)));
        return Results.Ok(new IncidentPage(shown.Items.Select(i => Summary(i, codes)).ToList(), shown.NextCursor));
    }

    private static IncidentSummary Summary(Incident i, CodeRegistry codes)
    {
        var discovered = i.DiscoveredAt.ToOffset(Jst.Offset);
        return new IncidentSummary(
            i.Id, i.InstitutionCode, codes.InstitutionName(i.InstitutionCode), i.LinkageId, i.LocalRecordId, i.LinkedAt, i.DiscoveredAt, i.DiscoveredBy,
            i.Cause, i.CorrectedLinkageId is not null, i.InquirerRecords, i.ProviderRecords, i.CorrectedAt,
            discovered.AddDays(PpcReportDraft.PreliminaryDueDays),
            discovered.AddDays(i.ImproperPurpose ? PpcReportDraft.FinalDueDaysImproperPurpose : PpcReportDraft.FinalDueDays));
    }
}
