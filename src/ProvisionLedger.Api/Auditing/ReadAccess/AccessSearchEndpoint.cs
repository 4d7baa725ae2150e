using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Subjects;
using Wolverine.Http;

namespace ProvisionLedger.Api.Auditing.ReadAccess;

/// <summary>A person's reads are searched with the My Number in the body, never in the URL.</summary>
public sealed record SearchAccess(
    string? MyNumber,
    [property: JsonConverter(typeof(JstPeriodStart))] DateTimeOffset? From,
    [property: JsonConverter(typeof(JstPeriodEnd))] DateTimeOffset? To,
    int? PageSize,
    string? Cursor);

public sealed record AccessPage(IReadOnlyList<AccessRead> Items, string? NextCursor);

/// <summary>
/// One read as an auditor sees it. The person's subjectRef stays inside: it is a stable pseudonym of a My Number, and
/// handing it out would let answers be joined up about a person. <c>PersonRead</c> says whether a person's records were read.
/// </summary>
public sealed record AccessRead(
    string Id, DateTimeOffset At, string Principal, string Role, string? ActorInstitutionCode, string Route,
    string Path, string Resource, string? InstitutionCode, bool PersonRead, int RecordCount)
{
    public static AccessRead Of(ReadAccessEntry e) =>
        new(e.Id, e.At, e.Principal, e.Role, e.ActorInstitutionCode, e.Route, e.Path, e.Resource, e.InstitutionCode,
            e.SubjectRef is not null, e.RecordCount);
}

/// <summary>"Who looked at the records of this institution, or this person, in this period?" Newest first.</summary>
public static class AccessSearchEndpoint
{
    private const int MaxPageSize = 1000;

    [WolverineGet("/api/v1/audit/access")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(
        string? institutionCode, string? principal, int? pageSize, string? cursor,
        HttpRequest request, Actor actor, IQuerySession session, CursorSealer cursors, ReadAccessLog log, CancellationToken ct)
    {
        // Read as every list reads its period: a bare date is a whole day in Japan time.
        var errors = new FieldErrors();
        var from = QueryTime.Read(request, "from", errors);
        var to = QueryTime.Read(request, "to", errors);
        var filters = new List<(string Field, string Value)>();
        if (!string.IsNullOrWhiteSpace(institutionCode))
        {
            filters.Add(("institutionCode", institutionCode));
        }

        if (!string.IsNullOrWhiteSpace(principal))
        {
            filters.Add(("principal", principal));
        }

        var query = new AccessQuery(filters, from, to, pageSize, cursor);
        var (page, bad) = await PageAsync(session, cursors, query, errors, ct);
        if (page is null)
        {
            return bad!;
        }

        await log.RecordAsync(actor, "audit/access", page.Items.Count, institutionCode: institutionCode, ct: ct);
        return Results.Ok(page);
    }

    [WolverinePost("/api/v1/audit/access/search")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Search(
        HttpRequest request, Actor actor, IQuerySession session, SubjectKeys subjects, CursorSealer cursors, ReadAccessLog log,
        CancellationToken ct)
    {
        var (command, bad) = await JsonBody.ReadAsync<SearchAccess>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = new FieldErrors();
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        var subjectRef = errors.Any ? "" : subjects.SubjectRef(command.MyNumber!);
        var query = new AccessQuery([("subjectRef", subjectRef)], command.From, command.To, command.PageSize, command.Cursor);
        var (page, problem) = await PageAsync(session, cursors, query, errors, ct);
        if (page is null)
        {
            return problem!;
        }

        await log.RecordAsync(actor, "audit/access/search", page.Items.Count, subjectRef: subjectRef, ct: ct);
        return Results.Ok(page);
    }

    private sealed record AccessQuery(
        IReadOnlyList<(string Field, string Value)> Filters, DateTimeOffset? From, DateTimeOffset? To, int? PageSize, string? Cursor)
    {
        /// <summary>What a cursor is bound to: it only continues the listing it came from.</summary>
        public string Binding => $"audit/access|{string.Join('|', Filters.Select(f => $"{f.Field}={f.Value}"))}|{From?.UtcTicks}|{To?.UtcTicks}";
    }

    /// <summary>Newest first by (time, id); the cursor is sealed and bound to the filters, like every other listing's.</summary>
    private static async Task<(AccessPage? Page, IResult? Problem)> PageAsync(
        IQuerySession session, CursorSealer cursors, AccessQuery query, FieldErrors errors, CancellationToken ct)
    {
        if (query.From is { } f && query.To is { } t && f > t)
        {
            errors.Add("from", "must not be after to.");
        }

        if (query.PageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"must be between 1 and {MaxPageSize}.");
        }

        (long SortKey, string Id)? after = null;
        try
        {
            after = errors.Any ? null : cursors.Open(query.Cursor, query.Binding);
        }
        catch (InvalidCursorException)
        {
            errors.Add("cursor", "is not a cursor of this listing.");
        }

        if (errors.Any)
        {
            return (null, errors.ToProblem());
        }

        var sql = new StringBuilder("where true");
        var args = new List<object>();
        foreach (var (field, value) in query.Filters)
        {
            sql.Append(CultureInfo.InvariantCulture, $" and d.data ->> '{field}' = ?");
            args.Add(value);
        }

        if (query.From is { } from)
        {
            sql.Append(" and d.sort_key >= ?");
            args.Add(from.UtcTicks);
        }

        if (query.To is { } to)
        {
            sql.Append(" and d.sort_key <= ?");
            args.Add(to.UtcTicks);
        }

        if (after is { } a)
        {
            sql.Append(" and (d.sort_key, d.id) < (?, ?)");
            args.Add(a.SortKey);
            args.Add(a.Id);
        }

        var size = query.PageSize ?? 100;
        sql.Append(CultureInfo.InvariantCulture, $" order by d.sort_key desc, d.id desc limit {size + 1}");
        var rows = await session.QueryAsync<ReadAccessEntry>(sql.ToString(), ct, args.ToArray());
        var shown = rows.Take(size).ToList();
        var next = rows.Count > size ? cursors.Seal(shown[^1].SortKey, shown[^1].Id, query.Binding) : null;
        return (new AccessPage(shown.Select(AccessRead.Of).ToList(), next), null);
    }
}
