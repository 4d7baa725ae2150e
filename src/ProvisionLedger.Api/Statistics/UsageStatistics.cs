using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Statistics;

/// <summary>Inquiries per procedure × inquirer × month (Japan time): the Board of Audit measures usage this way.</summary>
public sealed class UsageCount
{
    public string Id { get; set; } = "";

    public string ProcedureCode { get; set; } = "";

    public string InquirerCode { get; set; } = "";

    public string Month { get; set; } = "";

    public long Inquiries { get; set; }

    public static string IdOf(string procedure, string inquirer, string month) => $"{procedure}|{inquirer}|{month}";

    public static string MonthOf(DateTimeOffset at) => at.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>
/// Asynchronous: usage figures may lag the writes by moments, and counting must not slow ingestion. Wolverine elects the
/// node that runs it (see Program.cs).
/// </summary>
public sealed class UsageStatisticsProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var inquiries = events.Select(e => e.Data).OfType<InquiryMade>().ToList();
        if (inquiries.Count == 0)
        {
            return Task.CompletedTask;
        }

        // One statement for every count this page touches, and no read: each count is added to the stored one in the
        // database (a rebuild starts from no documents, so it counts from zero).
        var counts = new Dictionary<string, UsageCount>(StringComparer.Ordinal);
        foreach (var made in inquiries)
        {
            var month = UsageCount.MonthOf(made.RequestedAt);
            var id = UsageCount.IdOf(made.ProcedureCode, made.InquirerCode, month);
            if (!counts.TryGetValue(id, out var count))
            {
                counts[id] = count = new UsageCount { Id = id, ProcedureCode = made.ProcedureCode, InquirerCode = made.InquirerCode, Month = month };
            }

            count.Inquiries++;
        }

        Rows.Upsert(operations, counts.Values);
        return Task.CompletedTask;
    }

    /// <summary>The counts' table (columns as LedgerStore duplicates them); a count already stored is added to, not replaced.</summary>
    public static readonly DocumentRows<UsageCount> Rows = new(
        "mt_doc_usagecount", x => x.Id,
        new DuplicatedColumn<UsageCount>("inquirer_code", "varchar", r => r.Select(x => x.InquirerCode).ToArray()),
        new DuplicatedColumn<UsageCount>("procedure_code", "varchar", r => r.Select(x => x.ProcedureCode).ToArray()))
    {
        Merge = "jsonb_set(excluded.data, '{inquiries}', to_jsonb((t.data ->> 'inquiries')::bigint + (excluded.data ->> 'inquiries')::bigint))",
    };
}

public sealed record UsageRow(string ProcedureCode, string ProcedureName, string InquirerCode, string InquirerName, string Month, long Inquiries);

public static class UsageStatisticsEndpoint
{
    [WolverineGet("/api/v1/statistics/usage")]
    [Authorize(Roles = $"{Roles.Auditor},{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Get(HttpRequest request, Actor actor, StandbyReads standby, CodeRegistry codes)
    {
        var inquirer = request.Query["inquirerCode"].ToString() is { Length: > 0 } given ? given : null;
        if (actor.Is(Roles.Institution))
        {
            if (inquirer is not null && inquirer != actor.InstitutionCode)
            {
                return Problems.NotFound("The institution");
            }

            inquirer = actor.InstitutionCode;
        }

        var errors = new FieldErrors();
        var from = Month(request, "from", errors);
        var to = Month(request, "to", errors);
        var procedure = request.Query["procedureCode"].ToString() is { Length: > 0 } p ? p : null;
        if (procedure is not null && codes.Procedure(procedure) is null)
        {
            errors.Add("procedureCode", "is not a known procedure (事務手続).");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        await using var read = await standby.OpenAsync();
        var session = read.Session;
        IQueryable<UsageCount> query = session.Query<UsageCount>();
        if (inquirer is not null)
        {
            query = query.Where(x => x.InquirerCode == inquirer);
        }

        if (procedure is not null)
        {
            query = query.Where(x => x.ProcedureCode == procedure);
        }

        var rows = (await query.ToListAsync())
            .Where(x => (from is null || string.CompareOrdinal(x.Month, from) >= 0) && (to is null || string.CompareOrdinal(x.Month, to) <= 0))
            .OrderBy(x => x.Month, StringComparer.Ordinal).ThenBy(x => x.ProcedureCode, StringComparer.Ordinal).ThenBy(x => x.InquirerCode, StringComparer.Ordinal)
            .Select(x => new UsageRow(x.ProcedureCode, codes.ProcedureName(x.ProcedureCode), x.InquirerCode, codes.InstitutionName(x.InquirerCode), x.Month, x.Inquiries))
            .ToList();
        return Results.Ok(new { items = rows });
    }

    private static string? Month(HttpRequest request, string name, FieldErrors errors)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        if (DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return text;
        }

        errors.Add(name, "must be a month, yyyy-MM.");
        return null;
    }
}
