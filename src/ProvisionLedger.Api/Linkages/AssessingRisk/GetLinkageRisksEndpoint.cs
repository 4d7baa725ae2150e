using Marten;
using ProvisionLedger.Api.Auditing.ReadAccess;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.AssessingRisk;

public sealed record LinkageAtRisk(
    string LinkageId,
    string InstitutionCode,
    string LocalRecordId,
    string Method,
    IReadOnlyList<string> QueryItems,
    int CandidateCount,
    int CheckerCount,
    bool Approved,
    DateTimeOffset LinkedAt,
    int AgreedRechecks,
    DateTimeOffset? LastRecheckAt,
    bool Matches2023Pattern,
    IReadOnlyList<RiskFactor> RiskFactors);

public sealed record LinkageRiskPage(IReadOnlyList<LinkageAtRisk> Items, string? NextCursor);

/// <summary>
/// Linkages in force that were made the way the 2023 mis-linkages were made, oldest first, each with its risk factors:
/// where to point the next re-check. <c>pattern2023=true</c> keeps only the full pattern (address-less search, several
/// candidates, no second checker).
/// </summary>
public static class GetLinkageRisksEndpoint
{
    public static readonly PageLimits Limits = new(100, 1000);

    [WolverineGet("/api/v1/linkages/risks")]
    [Authorize(Roles = $"{Roles.Auditor},{Roles.IncidentResponder},{Roles.Institution}")]
    public static async Task<IResult> Get(
        HttpRequest request, PageRequest page, Actor actor, IQuerySession session, Keyset keyset, CodeRegistry codes, ReadAccessLog reads)
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
        var pattern = request.Query["pattern2023"].ToString();
        if (pattern.Length > 0 && pattern is not ("true" or "false"))
        {
            errors.Add("pattern2023", "must be true or false.");
        }

        var pageSize = page.Size(Limits, errors);

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (actor.Is(Roles.Institution) && !actor.IsInstitution(institution))
        {
            return Problems.NotFound("The institution's linkages");
        }

        var binding = $"risks|{institution}|{from?.UtcTicks}|{to?.UtcTicks}|{pattern}";
        var after = keyset.Open(page.Cursor, binding, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = new KeysetQuery(newestFirst: false, Configuration.OpenPredicate);
        if (institution.Length > 0)
        {
            query.And("d.institution_code = ?", institution);
        }

        query.Period(from, to);
        if (pattern == "true")
        {
            query.And("(d.data ->> 'matches2023Pattern') = 'true'");
        }

        var shown = await keyset.ReadAsync<LinkageRisk>(session, query, after, pageSize, binding, r => new(r.SortKey, r.Id));
        await reads.RecordAsync(actor, "linkage-risks", null, ReadAccessLog.PerInstitution(shown.Items.Select(r => r.InstitutionCode)));
        return Results.Ok(new LinkageRiskPage(shown.Items.Select(r => new LinkageAtRisk(
            r.Id, r.InstitutionCode, r.LocalRecordId, r.Method, r.Evidence.QueryItems, r.Evidence.CandidateCount, r.CheckerCount, r.Approved,
            r.LinkedAt, r.AgreedRechecks, r.LastRecheckAt, r.Matches2023Pattern, r.Factors)).ToList(), shown.NextCursor));
    }
}
