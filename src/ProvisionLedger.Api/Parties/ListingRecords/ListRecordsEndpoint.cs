using System.Globalization;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Parties.ListingRecords;

public sealed record PartyRecordItem(
    string ExchangeId,
    string InquirerCode,
    string ProviderCode,
    string ProcedureCode,
    string InfoItemCode,
    InquiryPeriod? Period,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvidedAt,
    string? Result,
    string? ErrorCode,
    string? PayloadDigest,
    string? SubjectCode,
    string? LocalRecordId,
    string? InquirerSubjectCode,
    string? ProviderSubjectCode,
    IReadOnlyList<CorrectionEntry> Corrections,
    IReadOnlyList<NonDisclosureEntry> NonDisclosures,
    bool NonDisclosed);

public sealed record PartyRecordPage(IReadOnlyList<PartyRecordItem> Items, string? NextCursor);

/// <summary>Each party reads its own copy only; an institution asking for another's records gets 404.</summary>
public static class ListRecordsEndpoint
{
    public static PartyRecordItem ToItem(PartyRecord r) => r switch
    {
        NwsRecord n => Item(r, null, null, n.InquirerSubjectCode, n.ProviderSubjectCode),
        InquirerRecord i => Item(r, i.SubjectCode, i.LocalRecordId, null, null),
        ProviderRecord p => Item(r, p.SubjectCode, p.LocalRecordId, null, null),
        _ => throw new ArgumentOutOfRangeException(nameof(r)),
    };

    private static PartyRecordItem Item(PartyRecord r, string? subjectCode, string? localRecordId, string? inquirerSubjectCode, string? providerSubjectCode) =>
        new(r.ExchangeId, r.InquirerCode, r.ProviderCode, r.ProcedureCode, r.InfoItemCode, r.Period, r.RequestedAt, r.ProvidedAt,
            r.Result, r.ErrorCode, r.PayloadDigest, subjectCode, localRecordId, inquirerSubjectCode, providerSubjectCode,
            r.Corrections, r.NonDisclosures, r.NonDisclosed);

    [WolverineGet("/api/v1/parties/nws/records")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Auditor}")]
    public static Task<IResult> Nws(
        HttpRequest request, Actor actor, StandbyReads standby, CursorSealer cursors, ReadAccessLog reads) =>
        PageAsync<NwsRecord>(request, actor, standby, cursors, reads, null, "nws");

    [WolverineGet("/api/v1/parties/{institutionCode}/records")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Auditor}")]
    public static async Task<IResult> Institution(
        string institutionCode, HttpRequest request, Actor actor, StandbyReads standby, CursorSealer cursors, CodeRegistry codes,
        ReadAccessLog reads)
    {
        if ((actor.Is(Roles.Institution) && !actor.IsInstitution(institutionCode)) || codes.Institution(institutionCode) is null)
        {
            return Problems.NotFound("The institution");
        }

        var role = request.Query["role"].ToString();
        return role switch
        {
            "inquirer" => await PageAsync<InquirerRecord>(request, actor, standby, cursors, reads, ("inquirer_code", institutionCode), role),
            "provider" => await PageAsync<ProviderRecord>(request, actor, standby, cursors, reads, ("provider_code", institutionCode), role),
            _ => Problems.Validation("role", "must be inquirer or provider."),
        };
    }

    private static async Task<IResult> PageAsync<T>(
        HttpRequest request, Actor actor, StandbyReads standby, CursorSealer cursors, ReadAccessLog reads,
        (string Column, string Code)? owner, string binding) where T : PartyRecord
    {
        var errors = new FieldErrors();
        var from = QueryTime.Read(request, "from", errors);
        var to = QueryTime.Read(request, "to", errors);
        var pageSize = 50;
        if (request.Query.TryGetValue("pageSize", out var size) && (!int.TryParse(size, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > 500))
        {
            errors.Add("pageSize", "must be a whole number between 1 and 500.");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var cursorBinding = $"{typeof(T).Name}|{owner?.Code}|{binding}|{from?.UtcTicks}|{to?.UtcTicks}";
        (long SortKey, string Id)? after;
        try
        {
            after = cursors.Open(request.Query["cursor"].ToString(), cursorBinding);
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation("cursor", "is not a cursor of this listing.");
        }

        var sql = new StringBuilder("where true");
        var args = new List<object>();
        if (owner is { } o)
        {
            sql.Append(CultureInfo.InvariantCulture, $" and d.{o.Column} = ?");
            args.Add(o.Code);
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
            sql.Append(" and (d.sort_key, d.id) > (?, ?)");
            args.Add(a.SortKey);
            args.Add(a.Id);
        }

        sql.Append(" order by d.sort_key, d.id limit ?");
        args.Add(pageSize + 1);
        IReadOnlyList<T> rows;
        await using (var read = await standby.OpenAsync())
        {
            rows = await read.Session.QueryAsync<T>(sql.ToString(), args.ToArray());
        }

        var shown = rows.Take(pageSize).ToList();
        var next = rows.Count > pageSize ? cursors.Seal(shown[^1].SortKey, shown[^1].Id, cursorBinding) : null;
        // The network system's copies are records of both parties of each exchange.
        await reads.RecordAsync(actor, $"party-copies:{binding}", null, owner is { } partyOwner
            ? [(partyOwner.Code, shown.Count)]
            : ReadAccessLog.PerInstitution(shown.SelectMany(r => new[] { r.InquirerCode, r.ProviderCode })));
        return Results.Ok(new PartyRecordPage(shown.Select(ToItem).ToList(), next));
    }
}
