using System.Text;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.Verifying;

public sealed record BulkVerificationRecorded(int Lines, int Recorded, IReadOnlyList<VerificationRecorded> Verifications);

/// <summary>
/// A file of re-check results, all or nothing: any bad line is a 400 naming every bad line and field, and nothing is
/// written. Each line is recorded as the single-linkage route records it, so a line already recorded (by this route or
/// the other) is recognised, and the same file sent again is answered 200 with the same verifications.
/// </summary>
public static class VerifyInBulkEndpoint
{
    public const int MaxBytes = 8 * 1024 * 1024;
    public const int MaxLines = 20_000;

    private static readonly string[] JsonLineTypes = ["application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines"];

    [WolverinePost("/api/v1/linkages/verifications/batch")]
    [Authorize(Roles = Roles.Institution)]
    public static async Task<IResult> Post(
        HttpRequest request, Actor actor, LedgerSessions sessions, LedgerOptions options, TimeProvider clock, IOptions<JsonOptions> json)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var csv = mediaType == "text/csv";
        if (!csv && !JsonLineTypes.Contains(mediaType))
        {
            return Results.Problem(title: "Send the re-checks as text/csv (with a header line) or as JSON lines (application/x-ndjson).",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        string? text;
        try
        {
            text = await ReadAsync(request);
        }
        catch (DecoderFallbackException)
        {
            return Problems.Validation("body", "is not UTF-8 text.");
        }

        if (text is null)
        {
            return Results.Problem(title: $"The file is larger than {MaxBytes / (1024 * 1024)} MB; send it in parts.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var errors = new FieldErrors();
        var lines = csv ? RecheckFile.ParseCsv(text, errors) : RecheckFile.ParseJsonLines(text, json.Value.SerializerOptions, errors);
        if (lines.Count > MaxLines)
        {
            return Problems.Validation("body", $"has {lines.Count} re-checks; at most {MaxLines} are accepted in one file.");
        }

        var now = clock.GetUtcNow();
        foreach (var line in lines)
        {
            if (string.IsNullOrWhiteSpace(line.LinkageId))
            {
                errors.Add(RecheckFile.Field(line.LineNumber, "linkageId"), "is required.");
            }

            foreach (var (field, message) in VerifyLinkageEndpoint.Check(line.Command, now, options.ClockSkew).Entries)
            {
                errors.Add(RecheckFile.Field(line.LineNumber, field), message);
            }
        }

        await using var session = sessions.OpenFor(actor);
        var ids = lines.Select(l => l.LinkageId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var linkages = (await session.LoadManyAsync<Linkage>(ids)).ToDictionary(l => l.Id, StringComparer.Ordinal);
        var unique = new List<RecheckLine>();
        var seen = new HashSet<(string, string)>();
        foreach (var line in lines.Where(l => !string.IsNullOrWhiteSpace(l.LinkageId)))
        {
            // The same rules the single route applies when it records, checked for every line before anything is written.
            if (!linkages.TryGetValue(line.LinkageId!, out var linkage) || !actor.IsInstitution(linkage.InstitutionCode))
            {
                errors.Add(RecheckFile.Field(line.LineNumber, "linkageId"), "is not a linkage of this institution.");
                continue;
            }

            var fingerprint = Fingerprint.Of(line.Command, options.SubjectHmacKey);
            if (!seen.Add((line.LinkageId!, fingerprint)) || linkage.Checks.Any(c => c.RequestFingerprint == fingerprint))
            {
                // Already in the ledger, or earlier in this file: answered, not recorded again.
                unique.Add(line);
                continue;
            }

            if (linkage.Status != LinkageStatus.Active)
            {
                errors.Add(RecheckFile.Field(line.LineNumber, "linkageId"), "names a linkage that has ended; re-checks apply to linkages in force.");
            }
            else if (line.Command.OccurredAt < linkage.LinkedAt)
            {
                errors.Add(RecheckFile.Field(line.LineNumber, "occurredAt"), "must not be before the linkage was made.");
            }

            unique.Add(line);
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var recorded = 0;
        var answers = new List<VerificationRecorded>();
        var recordedHere = new HashSet<(string, string)>();
        foreach (var line in unique)
        {
            var key = (line.LinkageId!, Fingerprint.Of(line.Command, options.SubjectHmacKey));
            if (recordedHere.Contains(key))
            {
                answers.Add(new VerificationRecorded(line.LinkageId!, line.Command.Agreed!.Value));
                continue;
            }

            var result = await VerifyLinkageEndpoint.RecordAsync(session, actor, line.LinkageId!, line.Command, options);
            switch (result)
            {
                case Created<VerificationRecorded> created:
                    recorded++;
                    recordedHere.Add(key);
                    answers.Add(created.Value!);
                    break;
                case Ok<VerificationRecorded> ok:
                    answers.Add(ok.Value!);
                    break;
                default:
                    // Checked above; only a concurrent change to the linkage gets here. Nothing has been saved.
                    return result;
            }
        }

        if (recorded == 0)
        {
            return Results.Ok(new BulkVerificationRecorded(lines.Count, 0, answers));
        }

        try
        {
            await session.SaveChangesAsync();
        }
        catch (Exception e) when (Concurrency.IsConflict(e))
        {
            return Problems.Conflict("A linkage in the file changed while the file was recorded; send the file again.");
        }

        return Results.Created("/api/v1/linkages/risks", new BulkVerificationRecorded(lines.Count, recorded, answers));
    }

    private static async Task<string?> ReadAsync(HttpRequest request)
    {
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

        return new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
    }
}
