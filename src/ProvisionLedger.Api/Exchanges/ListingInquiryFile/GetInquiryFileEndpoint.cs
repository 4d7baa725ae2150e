using System.Globalization;
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
    public const int DefaultPageSize = 500;
    public const int MaxPageSize = 5000;

    [WolverineGet("/api/v1/inquiries/files/{fileId}")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws},{Roles.Auditor}")]
    public static async Task<IResult> Get(
        string fileId, HttpRequest request, Actor actor, IQuerySession session, CursorSealer cursors, ReadAccessLog reads)
    {
        var file = await ImportInquiryFileEndpoint.RecordedAsync(session, fileId);
        if (file is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(file.InquirerCode)))
        {
            return Problems.NotFound("The inquiry file");
        }

        var pageSize = DefaultPageSize;
        if (request.Query.TryGetValue("pageSize", out var size)
            && (!int.TryParse(size, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return Problems.Validation("pageSize", $"must be a whole number between 1 and {MaxPageSize}.");
        }

        var binding = $"inquiry-file|{fileId}";
        long after;
        try
        {
            after = cursors.Open(request.Query["cursor"].ToString(), binding)?.SortKey ?? 0;
        }
        catch (InvalidCursorException)
        {
            return Problems.Validation("cursor", "is not a cursor of this file.");
        }

        // Every line of a recorded file became the exchange its number names (InquiryFileKeys): the file's record is enough.
        var first = (int)after + 1;
        var last = Math.Min(file.Lines, first + pageSize - 1);
        var items = Enumerable.Range(first, Math.Max(0, last - first + 1))
            .Select(line => new InquiryFileLineItem(line, InquiryFileKeys.ExchangeId(fileId, line))).ToList();
        var next = last < file.Lines ? cursors.Seal(last, InquiryFileKeys.ExchangeId(fileId, last), binding) : null;
        await reads.RecordAsync(actor, "inquiry-file", items.Count, institutionCode: file.InquirerCode);
        return Results.Ok(new InquiryFilePage(file.FileId, file.InquirerCode, file.Sha256, file.Lines, file.Recorded, file.ReceivedAt, items, next));
    }
}
