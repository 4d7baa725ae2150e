using System.Net.Http.Headers;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.RecordingBatch;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.ImportingInquiryFile;

public sealed record InquiryFileRecorded(string FileId, int Lines, int Recorded);

/// <summary>
/// A 一括照会 file, all or nothing: every line is an inquiry under the rules of POST /exchanges, decided together and
/// recorded in one transaction with the file's own record. Any bad line is a 400 naming every bad line and field, and
/// nothing is written. The same file again is recognised by its digest and answered 200 as the first time.
/// </summary>
public static class ImportInquiryFileEndpoint
{
    public const int MaxBytes = 8 * 1024 * 1024;
    public const int MaxLines = 20_000;
    public const int ChunkSize = 500;

    [WolverinePost("/api/v1/inquiries/files")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Post(
        HttpRequest request, Actor actor, LedgerSessions sessions, IDocumentStore store, CodeRegistry codes, LedgerOptions options,
        TimeProvider clock)
    {
        var encoding = MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) && contentType.MediaType?.ToLowerInvariant() == "text/csv"
            ? InquiryFile.EncodingFor(contentType.CharSet)
            : null;
        if (encoding is null)
        {
            return Results.Problem(title: "Send the file as text/csv; charset=utf-8 or text/csv; charset=shift_jis.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var bytes = await ReadAsync(request);
        if (bytes is null)
        {
            return TooLarge($"The file is larger than {MaxBytes / (1024 * 1024)} MB");
        }

        var ranges = InquiryFile.SplitLines(bytes);
        if (ranges.Count > MaxLines)
        {
            return TooLarge($"The file has {ranges.Count} lines; at most {MaxLines}");
        }

        if (ranges.Count == 0)
        {
            return Problems.Validation("body", "is empty: one inquiry per line is required.");
        }

        var errors = new FieldErrors();
        var lines = InquiryFile.Parse(bytes, ranges, encoding, codes, errors);
        if (actor.Is(Roles.Institution) && lines.Any(l => l.Inquiry.InquirerCode != actor.InstitutionCode))
        {
            return Problems.Forbidden("An institution sends a file of its own inquiries only (情報照会者機関コード must be its own).");
        }

        var inquirerCode = lines.FirstOrDefault()?.Inquiry.InquirerCode;
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var fileId = inquirerCode is null ? "" : InquiryFileKeys.FileId(inquirerCode, sha256);
        var now = clock.GetUtcNow();
        var records = new List<BatchRecord>(lines.Count);
        var lineNumbers = new List<int>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Inquiry.InquirerCode != inquirerCode)
            {
                InquiryFile.AddError(errors, line.LineNumber, InquiryFile.Inquirer, $"differs from line {lines[0].LineNumber}'s: a file holds one institution's inquiries.");
                continue;
            }

            var inquiry = line.Inquiry with { ExchangeId = InquiryFileKeys.ExchangeId(fileId, line.LineNumber) };
            foreach (var (field, message) in MakeInquiryEndpoint.Check(inquiry, codes, now, options.ClockSkew).Entries)
            {
                InquiryFile.AddRequestError(errors, line.LineNumber, field, message);
            }

            records.Add(new BatchRecord(inquiry, null));
            lineNumbers.Add(line.LineNumber);
        }

        for (var attempt = 0; ; attempt++)
        {
            await using (var session = sessions.OpenFor(actor))
            {
                if (!errors.Any && await RecordedAsync(session, fileId) is { } earlier)
                {
                    return Results.Ok(new InquiryFileRecorded(earlier.FileId, earlier.Lines, earlier.Recorded));
                }
            }

            try
            {
                return await RecordAsync(store, actor, o => sessions.OpenFor(actor, o), records, lineNumbers, errors, options, recorded =>
                    new InquiryFileReceived(fileId, inquirerCode!, sha256, encoding.WebName, bytes.LongLength, ranges.Count, recorded, now),
                    request.HttpContext.RequestAborted);
            }
            catch (Exception e) when (attempt == 0 && Concurrency.IsConflict(e))
            {
                // The same file (or one of its exchanges) was recorded meanwhile: decide again against what won.
            }
        }
    }

    /// <summary>
    /// Decides every line against the ledger's state and records them all in one database transaction, through a session
    /// per <see cref="ChunkSize"/> lines: Marten's unit of work grows quadratically with the documents one session stores
    /// (see ConfirmMisLinkageEndpoint.WriteAsync). Nothing reaches the database until every line has been decided.
    /// </summary>
    private static async Task<IResult> RecordAsync(
        IDocumentStore store, Actor actor, Func<Marten.Services.SessionOptions, IDocumentSession> open, List<BatchRecord> records, List<int> lineNumbers,
        FieldErrors errors, LedgerOptions options, Func<int, InquiryFileReceived> received, CancellationToken ct)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var chunks = new List<IDocumentSession>();
        try
        {
            var recorded = 0;
            for (var offset = 0; offset < records.Count || chunks.Count == 0; offset += ChunkSize)
            {
                var session = open(Marten.Services.SessionOptions.ForTransaction(transaction));
                chunks.Add(session);
                var first = offset;
                // The ledger's state is checked for the well-formed lines even when others are bad, so that one answer
                // names every bad line; a line whose 宛名番号 is not linked is a bad line like any other (400).
                var decision = await ExchangeBatch.DecideAsync(
                    session, records.GetRange(offset, Math.Min(ChunkSize, records.Count - offset)), options, actor, i => $"line {lineNumbers[first + i]}",
                    (i, field, message) => InquiryFile.AddRequestError(errors, lineNumbers[first + i], field, message));
                if (decision.Conflict is not null)
                {
                    return decision.Conflict;
                }

                recorded += decision.Recorded;
            }

            if (errors.Any)
            {
                return errors.ToProblem();
            }

            var file = received(recorded);
            chunks[^1].Events.StartStream(InquiryFileKeys.Stream(file.FileId), file);
            foreach (var session in chunks)
            {
                await session.SaveChangesAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return Results.Created($"/api/v1/inquiries/files/{Uri.EscapeDataString(file.FileId)}", new InquiryFileRecorded(file.FileId, file.Lines, file.Recorded));
        }
        finally
        {
            foreach (var session in chunks)
            {
                await session.DisposeAsync();
            }
        }
    }

    /// <summary>The file's record, when this file has been recorded before.</summary>
    public static async Task<InquiryFileReceived?> RecordedAsync(IQuerySession session, string fileId)
    {
        var events = await session.Events.FetchStreamAsync(InquiryFileKeys.Stream(fileId));
        return events.Select(e => e.Data).OfType<InquiryFileReceived>().FirstOrDefault();
    }

    private static IResult TooLarge(string what) =>
        Results.Problem(title: $"{what} are accepted in one file; send it in parts.", statusCode: StatusCodes.Status413PayloadTooLarge);

    private static async Task<byte[]?> ReadAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
