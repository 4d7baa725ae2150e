using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Exchanges.ImportingInquiryFile;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.ListingInquiryFile;

public sealed record InquiryFileLineItem(int Line, string ExchangeId);

public sealed record InquiryFilePage(
    string FileId, string InquirerCode, string Sha256, int Lines, int Recorded, DateTimeOffset ReceivedAt,
    IReadOnlyList<InquiryFileLineItem> Items, string? NextCursor);

/// <summary>
/// A recorded 一括照会 file: which exchange each line became, in line order, paged by sealed cursor. Only the institution
/// whose inquiries they are, the network system and auditors read it; anyone else is told it does not exist.
/// </summary>
public static class GetInquiryFileEndpoint
{
    public static readonly PageLimits Limits = new(500, 5000);

    [WolverineGet("/api/v1/inquiries/files/{fileId}")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws},{Roles.Auditor}")]
    public static async Task<IResult> Get(
        string fileId, PageRequest page, Actor actor, IQuerySession session, Keyset keyset, ReadAccessLog reads)
    {
        var file = await ImportInquiryFileEndpoint.RecordedAsync(session, fileId);
        if (file is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(file.InquirerCode)))
        {
            return Problems.NotFound("The inquiry file");
        }

        var errors = new FieldErrors();
        var pageSize = page.Size(Limits, errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var binding = $"inquiry-file|{fileId}";
        var after = keyset.Open(page.Cursor, binding, errors, "this file")?.SortKey ?? 0;
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        // Every line of a recorded file became the exchange its number names (InquiryFileKeys): the file's record is enough.
        var first = (int)after + 1;
        var last = Math.Min(file.Lines, first + pageSize - 1);
        var items = Enumerable.Range(first, Math.Max(0, last - first + 1))
            .Select(line => new InquiryFileLineItem(line, InquiryFileKeys.ExchangeId(fileId, line))).ToList();
        var next = last < file.Lines ? keyset.Seal(last, InquiryFileKeys.ExchangeId(fileId, last), binding) : null;
        await reads.RecordAsync(actor, "inquiry-file", items.Count, institutionCode: file.InquirerCode);
        return Results.Ok(new InquiryFilePage(file.FileId, file.InquirerCode, file.Sha256, file.Lines, file.Recorded, file.ReceivedAt, items, next));
    }
}
