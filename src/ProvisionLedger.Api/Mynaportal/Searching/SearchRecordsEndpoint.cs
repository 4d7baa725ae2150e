using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using Wolverine.Http;

namespace ProvisionLedger.Api.Mynaportal.Searching;

public sealed record Viewer(string? Kind, string? ProxyId);

public sealed record SearchRecords(
    string? MyNumber,
    Viewer? Viewer,
    [property: JsonConverter(typeof(JstPeriodStart))] DateTimeOffset? From,
    [property: JsonConverter(typeof(JstPeriodEnd))] DateTimeOffset? To,
    string? InstitutionCode,
    string? ProcedureCode,
    string? InfoItemCode,
    int? PageSize,
    string? Cursor);

public sealed record PortalCorrection(string Kind, string Note, DateTimeOffset OccurredAt);

public sealed record PortalItem(
    string RecordId,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvidedAt,
    string InquirerName,
    string ProviderName,
    string ProcedureName,
    string InfoItemName,
    string? Result,
    IReadOnlyList<PortalCorrection> Corrections);

public sealed record PortalPage(IReadOnlyList<PortalItem> Items, string? NextCursor);

/// <summary>
/// The Mynaportal view of one person. A record under non-disclosure, or any record of a protected person, is filtered in
/// the query itself, so it cannot show in items, page sizes, cursors or errors: a protected person's answer is the
/// answer for a person the ledger has never seen.
/// </summary>
public static class SearchRecordsEndpoint
{
    public static readonly PageLimits Limits = new(20, 100);

    public static FieldErrors Check(SearchRecords command, CodeRegistry codes)
    {
        var errors = new FieldErrors();
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        if (command.Viewer is null)
        {
            errors.Add("viewer", "is required: { \"kind\": \"self\" } or { \"kind\": \"proxy\", \"proxyId\": ... }.");
        }
        else
        {
            errors.OneOf("viewer.kind", command.Viewer.Kind, ["self", "proxy"]);
            if (command.Viewer.Kind == "proxy")
            {
                errors.Required("viewer.proxyId", command.Viewer.ProxyId);
            }
        }

        if (command.From is { } from && command.To is { } to && from > to)
        {
            errors.Add("to", "must not be before from.");
        }

        if (command.InstitutionCode is not null && codes.InstitutionProblem(command.InstitutionCode) is { } inst)
        {
            errors.Add("institutionCode", inst);
        }

        if (command.ProcedureCode is not null && codes.Procedure(command.ProcedureCode) is null)
        {
            errors.Add("procedureCode", "is not a known procedure (事務手続).");
        }

        if (command.InfoItemCode is not null && codes.InfoItem(command.InfoItemCode) is null)
        {
            errors.Add("infoItemCode", "is not a known information item.");
        }

        Limits.Check(command.PageSize, errors);

        return errors;
    }

    /// <summary>Mynaportal shows 7 years back from the day of viewing (Japan time).</summary>
    public static long RetentionStart(DateTimeOffset now, int years)
    {
        var jst = now.ToOffset(TimeSpan.FromHours(9));
        return new DateTimeOffset(jst.Date.AddYears(-years), TimeSpan.FromHours(9)).UtcTicks;
    }

    /// <summary>A record id for this person only: it does not reveal the NWS transaction number or its sequence.</summary>
    public static string RecordId(byte[] key, string subjectRef, string exchangeId) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"portal-record\n{subjectRef}\n{exchangeId}")).AsSpan(0, 16));

    [WolverinePost("/api/v1/mynaportal/records/search")]
    [Authorize(Roles = Roles.Mynaportal)]
    public static async Task<IResult> Post(
        HttpRequest request, Actor actor, IDocumentStore store, LedgerSessions sessions, GroupCommit commits,
        SubjectKeys subjects, CodeRegistry codes, Keyset keyset, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<SearchRecords>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = Check(command, codes);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var now = clock.GetUtcNow();
        var subjectRef = subjects.SubjectRef(command.MyNumber!);
        var pageSize = command.PageSize ?? Limits.DefaultSize;
        var binding = $"{subjectRef}|{command.From?.UtcTicks}|{command.To?.UtcTicks}|{command.InstitutionCode}|{command.ProcedureCode}|{command.InfoItemCode}";
        var after = keyset.Open(command.Cursor, binding, errors, "this search");
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        IReadOnlyList<PortalEntry> rows;
        await using (var query = store.QuerySession())
        {
            // Protected, never-seen and ordinary persons run the very same statement: no branch before the query.
            rows = await QueryAsync(query, subjectRef, command, RetentionStart(now, options.RetentionYears), after, pageSize + 1);
        }

        var page = keyset.Page(rows, pageSize, binding, r => new(r.SortKey, r.ExchangeId));
        var shown = page.Items;
        var items = shown.Select(r => new PortalItem(
            RecordId(options.SubjectHmacKey, subjectRef, r.ExchangeId), r.RequestedAt, r.ProvidedAt,
            codes.InstitutionName(r.InquirerCode), codes.InstitutionName(r.ProviderCode),
            codes.ProcedureName(r.ProcedureCode), codes.InfoItemName(r.InfoItemCode), r.Result,
            r.Corrections.Select(c => new PortalCorrection(c.Kind, c.Note, c.OccurredAt)).ToList())).ToList();

        // One stream per view: concurrent views of one person never contend for a stream version. The view is committed
        // together with the views of concurrent searches (one transaction, one flush), and the answer waits for that
        // commit: no answer without its durable record; a failed commit fails the search.
        var stream = SubjectKeysOfStreams.PortalView(Guid.CreateVersion7());
        var viewed = new RecordsViewed(
            subjectRef, command.Viewer!.Kind!, command.Viewer.ProxyId, shown.Select(r => r.ExchangeId).ToArray(), actor.Principal, now);
        await commits.CommitAsync(sessions.StampFor(actor), session => session.Events.StartStream(stream, viewed));
        return Results.Ok(new PortalPage(items, page.NextCursor));
    }

    private static async Task<IReadOnlyList<PortalEntry>> QueryAsync(
        IQuerySession session, string subjectRef, SearchRecords command, long retentionStart, KeysetPosition? after, int limit)
    {
        var (where, args) = Where(subjectRef, command, retentionStart, after, limit);
        return await session.QueryAsync<PortalEntry>(where, args);
    }

    /// <summary>
    /// The search's one statement after <c>select d.data from mt_doc_portalentry as d</c>, with Marten's <c>?</c>
    /// placeholders: a backward range of the (subject_ref, sort_key, exchange_id) index, stopped by the limit, each row
    /// checked against the protections by primary key. <c>offset 0</c> keeps the protection check a per-row probe: without
    /// it PostgreSQL turns "not exists" into an anti-join that reads the whole protection table for every row (27 s per
    /// search with 200,000 protections, against 0.2 ms; bench/README.md). The retention window is written on the
    /// columns themselves (not <c>coalesce</c>, whose selectivity the planner can only guess at a third), so the planner
    /// sees that nearly every entry of the person passes and walks the index in order rather than sorting them all.
    /// </summary>
    public static (string Where, object[] Args) Where(
        string subjectRef, SearchRecords command, long retentionStart, KeysetPosition? after, int limit)
    {
        // Hidden while any person the record is or was about is protected (re-attribution after a mis-linkage included).
        // Entries kept before `persons` existed name only their own person, hence the subject_ref.
        var query = new KeysetQuery(
            newestFirst: true,
            "d.subject_ref = ? and d.non_disclosed = false and (d.retention_key >= ? or (d.retention_key is null and d.sort_key >= ?)) " +
            $"and not exists (select 1 from {LedgerStore.Schema}.mt_doc_subjectprotection p " +
            "where p.id = any(array_prepend(d.subject_ref, array(select jsonb_array_elements_text(coalesce(d.data -> 'persons', '[]'::jsonb))))) " +
            "and jsonb_array_length(p.data -> 'activeProtectionIds') > 0 offset 0)",
            "d.exchange_id",
            subjectRef, retentionStart, retentionStart);
        query.Period(command.From, command.To);
        if (command.InstitutionCode is { } inst)
        {
            query.And("(d.data ->> 'inquirerCode' = ? or d.data ->> 'providerCode' = ?)", inst, inst);
        }

        if (command.ProcedureCode is { } procedure)
        {
            query.And("d.data ->> 'procedureCode' = ?", procedure);
        }

        if (command.InfoItemCode is { } item)
        {
            query.And("d.data ->> 'infoItemCode' = ?", item);
        }

        return query.Build(after, limit);
    }
}
