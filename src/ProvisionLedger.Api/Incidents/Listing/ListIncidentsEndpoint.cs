using System.Globalization;
using System.Text;
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
    public const int MaxPageSize = 500;

    [WolverineGet("/api/v1/incidents")]
    [Authorize(Roles = $"{Roles.IncidentResponder},{Roles.Auditor},{Roles.Institution}")]
    public static async Task<IResult> Get(HttpRequest request, Actor actor, StandbyReads standby, CursorSealer cursors, CodeRegistry codes, ReadAccessLog reads)
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
        var pageSize = 100;
        if (request.Query.TryGetValue("pageSize", out var size) && (!int.TryParse(size, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            errors.Add("pageSize", $"must be a whole number between 1 and {MaxPageSize}.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (actor.Is(Roles.Institution) && !actor.IsInstitution(institution))
        {
            return Problems.NotFound("The institution's incidents");
        }

        var binding = $"incidents|{institution}|{from?.UtcTicks}|{to?.UtcTicks}";
        (long SortKey, string Id)? after;
        try
        {
            after = cursors.Open(request.Query["cursor"].ToString(), binding);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation("cursor", "is not a cursor of this listing.");
        }

        var sql = new StringBuilder("where true");
        var args = new List<object>();
        if (institution.Length > 0)
        {
            sql.Append(" and d.institution_code = ?");
            args.Add(institution);
        }

        if (from is { } f)
        {
            sql.Append(" and d.sort_key >= ?");
            args.Add(f.UtcTicks);
        }

        if (to is { } t)
        {
            sql.Append(" and d.sort_key <= ?");
            args.Add(t.UtcTicks);
        }

        if (after is { } a)
        {
            sql.Append(" and (d.sort_key, d.id) < (?, ?)");
            args.Add(a.SortKey);
            args.Add(a.Id);
        }

        sql.Append(" order by d.sort_key desc, d.id desc limit ?");
        args.Add(pageSize + 1);
        await using var read = await standby.OpenAsync();
        var rows = await read.Session.QueryAsync<Incident>(sql.ToString(), args.ToArray());
        var shown = rows.Take(pageSize).ToList();
        var next = rows.Count > pageSize ? cursors.Seal(shown[^1].SortKey, shown[^1].Id, binding) : null;
        await reads.RecordAsync(actor, "incidents", null, ReadAccessLog.PerInstitution(shown.Select(i => i.InstitutionCode)));
        return Results.Ok(new IncidentPage(shown.Select(i => Summary(i, codes)).ToList(), next));
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
