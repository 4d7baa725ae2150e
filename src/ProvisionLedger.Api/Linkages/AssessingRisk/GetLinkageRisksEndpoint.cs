using System.Globalization;
using System.Text;
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
    public const int MaxPageSize = 1000;

    [WolverineGet("/api/v1/linkages/risks")]
    [Authorize(Roles = $"{Roles.Auditor},{Roles.IncidentResponder},{Roles.Institution}")]
    public static async Task<IResult> Get(HttpRequest request, Actor actor, IQuerySession session, CursorSealer cursors, CodeRegistry codes, ReadAccessLog reads)
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
            return Problems.NotFound("The institution's linkages");
        }

        var binding = $"risks|{institution}|{from?.UtcTicks}|{to?.UtcTicks}|{pattern}";
        (long SortKey, string Id)? after;
        try
        {
            after = cursors.Open(request.Query["cursor"].ToString(), binding);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation("cursor", "is not a cursor of this listing.");
        }

        var sql = new StringBuilder("where ").Append(Configuration.OpenPredicate);
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

        if (pattern == "true")
        {
            sql.Append(" and (d.data ->> 'matches2023Pattern') = 'true'");
        }

        if (after is { } a)
        {
            sql.Append(" and (d.sort_key, d.id) > (?, ?)");
            args.Add(a.SortKey);
            args.Add(a.Id);
        }

        sql.Append(" order by d.sort_key, d.id limit ?");
        args.Add(pageSize + 1);
        var rows = await session.QueryAsync<LinkageRisk>(sql.ToString(), args.ToArray());
        var shown = rows.Take(pageSize).ToList();
        var next = rows.Count > pageSize ? cursors.Seal(shown[^1].SortKey, shown[^1].Id, binding) : null;
        await reads.RecordAsync(actor, "linkage-risks", null, ReadAccessLog.PerInstitution(shown.Select(r => r.InstitutionCode)));
        return Results.Ok(new LinkageRiskPage(shown.Select(r => new LinkageAtRisk(
            r.Id, r.InstitutionCode, r.LocalRecordId, r.Method, r.Evidence.QueryItems, r.Evidence.CandidateCount, r.CheckerCount, r.Approved,
            r.LinkedAt, r.AgreedRechecks, r.LastRecheckAt, r.Matches2023Pattern, r.Factors)).ToList(), next));
    }
}
