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

    public static readonly PageLimits Limits = new(50, 500);

    [WolverineGet("/api/v1/parties/nws/records")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Auditor}")]
    public static Task<IResult> Nws(
        HttpRequest request, PageRequest page, Actor actor, StandbyReads standby, Keyset keyset, ReadAccessLog reads) =>
        PageAsync<NwsRecord>(request, page, actor, standby, keyset, reads, null, "nws");

    [WolverineGet("/api/v1/parties/{institutionCode}/records")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Auditor}")]
    public static async Task<IResult> Institution(
        string institutionCode, HttpRequest request, PageRequest page, Actor actor, StandbyReads standby, Keyset keyset, CodeRegistry codes,
        ReadAccessLog reads)
    {
        if ((actor.Is(Roles.Institution) && !actor.IsInstitution(institutionCode)) || codes.Institution(institutionCode) is null)
        {
            return Problems.NotFound("The institution");
        }

        var role = request.Query["role"].ToString();
        return role switch
        {
            "inquirer" => await PageAsync<InquirerRecord>(request, page, actor, standby, keyset, reads, ("inquirer_code", institutionCode), role),
            "provider" => await PageAsync<ProviderRecord>(request, page, actor, standby, keyset, reads, ("provider_code", institutionCode), role),
            _ => Problems.Validation("role", "must be inquirer or provider."),
        };
    }

    private static async Task<IResult> PageAsync<T>(
        HttpRequest request, PageRequest page, Actor actor, StandbyReads standby, Keyset keyset, ReadAccessLog reads,
        (string Column, string Code)? owner, string binding) where T : PartyRecord
    {
        var errors = new FieldErrors();
        var from = QueryTime.Read(request, "from", errors);
        var to = QueryTime.Read(request, "to", errors);
        var pageSize = page.Size(Limits, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var cursorBinding = $"{typeof(T).Name}|{owner?.Code}|{binding}|{from?.UtcTicks}|{to?.UtcTicks}";
        var after = keyset.Open(page.Cursor, cursorBinding, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var query = new KeysetQuery(newestFirst: false);
        if (owner is { } o)
        {
            query.And($"d.{o.Column} = ?", o.Code);
        }

        KeysetPage<T> shown;
        await using (var read = await standby.OpenAsync())
        {
            shown = await keyset.ReadAsync<T>(read.Session, query.Period(from, to), after, pageSize, cursorBinding, r => new(r.SortKey, r.Id));
        }

        // The network system's copies are records of both parties of each exchange.
        await reads.RecordAsync(actor, $"party-copies:{binding}", null, owner is { } partyOwner
            ? [(partyOwner.Code, shown.Items.Count)]
            : ReadAccessLog.PerInstitution(shown.Items.SelectMany(r => new[] { r.InquirerCode, r.ProviderCode })));
        return Results.Ok(new PartyRecordPage(shown.Items.Select(ToItem).ToList(), shown.NextCursor));
    }
}
