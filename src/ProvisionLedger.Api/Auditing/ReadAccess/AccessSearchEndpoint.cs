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
    public static readonly PageLimits Limits = new(100, 1000);

    [WolverineGet("/api/v1/audit/access")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(
        string? institutionCode, string? principal, int? pageSize, string? cursor,
        HttpRequest request, Actor actor, IQuerySession session, Keyset keyset, ReadAccessLog log, CancellationToken ct)
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
        var (page, bad) = await PageAsync(session, keyset, query, errors, ct);
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
        HttpRequest request, Actor actor, IQuerySession session, SubjectKeys subjects, Keyset keyset, ReadAccessLog log,
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
        var (page, problem) = await PageAsync(session, keyset, query, errors, ct);
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
        IQuerySession session, Keyset keyset, AccessQuery query, FieldErrors errors, CancellationToken ct)
    {
        if (query.From is { } f && query.To is { } t && f > t)
        {
            errors.Add("from", "must not be after to.");
        }

        Limits.Check(query.PageSize, errors);
        var after = errors.Any ? null : keyset.Open(query.Cursor, query.Binding, errors);
        if (errors.Any)
        {
            return (null, errors.ToProblem());
        }

        var keys = new KeysetQuery(newestFirst: true);
        foreach (var (field, value) in query.Filters)
        {
            keys.And($"d.data ->> '{field}' = ?", value);
        }

        var page = await keyset.ReadAsync<ReadAccessEntry>(
            session, keys.Period(query.From, query.To), after, query.PageSize ?? Limits.DefaultSize, query.Binding, e => new(e.SortKey, e.Id), ct);
        return (new AccessPage(page.Items.Select(AccessRead.Of).ToList(), page.NextCursor), null);
    }
}
