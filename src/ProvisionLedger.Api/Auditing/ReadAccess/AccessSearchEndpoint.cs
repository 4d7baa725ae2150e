using System.Globalization;
using System.Security.Claims;
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
    string Id, long Sequence, DateTimeOffset At, string Principal, string Role, string? ActorInstitutionCode, string Route,
    string Path, string Resource, string? InstitutionCode, bool PersonRead, int RecordCount)
{
    public static AccessRead Of(ReadAccessEntry e) =>
        new(e.Id, e.Sequence, e.At, e.Principal, e.Role, e.ActorInstitutionCode, e.Route, e.Path, e.Resource, e.InstitutionCode,
            e.SubjectRef is not null, e.RecordCount);
}

/// <summary>"Who looked at the records of this institution, or this person, in this period?" Newest first.</summary>
public static class AccessSearchEndpoint
{
    private const int MaxPageSize = 1000;

    [WolverineGet("/api/v1/audit/access")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(
        string? institutionCode, string? principal, DateTimeOffset? from, DateTimeOffset? to, int? pageSize, string? cursor,
        ClaimsPrincipal user, IQuerySession session, ReadAccessLog log, CancellationToken ct)
    {
        var errors = CheckPage(from, to, pageSize, cursor);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = session.Query<ReadAccessEntry>().AsQueryable();
        if (!string.IsNullOrWhiteSpace(institutionCode))
        {
            query = query.Where(x => x.InstitutionCode == institutionCode);
        }

        if (!string.IsNullOrWhiteSpace(principal))
        {
            query = query.Where(x => x.Principal == principal);
        }

        var page = await PageAsync(query, from, to, pageSize, cursor, ct);
        await log.RecordAsync(user, "audit/access", page.Items.Count, institutionCode: institutionCode, ct: ct);
        return Results.Ok(page);
    }

    [WolverinePost("/api/v1/audit/access/search")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Search(
        HttpRequest request, ClaimsPrincipal user, IQuerySession session, SubjectKeys subjects, ReadAccessLog log, CancellationToken ct)
    {
        var (command, bad) = await JsonBody.ReadAsync<SearchAccess>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = CheckPage(command.From, command.To, command.PageSize, command.Cursor);
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var subjectRef = subjects.SubjectRef(command.MyNumber!);
        var page = await PageAsync(session.Query<ReadAccessEntry>().Where(x => x.SubjectRef == subjectRef),
            command.From, command.To, command.PageSize, command.Cursor, ct);
        await log.RecordAsync(user, "audit/access/search", page.Items.Count, subjectRef: subjectRef, ct: ct);
        return Results.Ok(page);
    }

    private static FieldErrors CheckPage(DateTimeOffset? from, DateTimeOffset? to, int? pageSize, string? cursor)
    {
        var errors = new FieldErrors();
        if (from is not null && to is not null && from > to)
        {
            errors.Add("from", "must not be after to.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors.Add("pageSize", $"must be between 1 and {MaxPageSize}.");
        }

        if (cursor is not null && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            errors.Add("cursor", "is not a cursor this service gave.");
        }

        return errors;
    }

    private static async Task<AccessPage> PageAsync(
        IQueryable<ReadAccessEntry> query, DateTimeOffset? from, DateTimeOffset? to, int? pageSize, string? cursor, CancellationToken ct)
    {
        if (from is { } f)
        {
            query = query.Where(x => x.At >= f);
        }

        if (to is { } t)
        {
            query = query.Where(x => x.At < t);
        }

        if (cursor is not null)
        {
            var before = long.Parse(cursor, CultureInfo.InvariantCulture);
            query = query.Where(x => x.Sequence < before);
        }

        var size = pageSize ?? 100;
        var items = await query.OrderByDescending(x => x.Sequence).Take(size + 1).ToListAsync(ct);
        return items.Count > size
            ? new AccessPage(items.Take(size).Select(AccessRead.Of).ToList(), items[size - 1].Sequence.ToString(CultureInfo.InvariantCulture))
            : new AccessPage(items.Select(AccessRead.Of).ToList(), null);
    }
}
