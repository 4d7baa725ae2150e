using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.RecordingBatch;

public sealed record BatchRecord(MakeInquiry? Inquiry, ProvideInformation? Provision);

public sealed record RecordBatch(List<BatchRecord>? Records);

public sealed record BatchRecordResult(string ExchangeId, string Status);

public sealed record BatchRecorded(int Recorded, int AlreadyRecorded, IReadOnlyList<BatchRecordResult> Results);

/// <summary>
/// Bulk ingestion (一括照会 and the network system's feed): many exchanges in one transaction, with the same rules as the
/// single routes. Every record is checked first; one bad record rejects the batch and nothing is written.
/// </summary>
public static class RecordBatchEndpoint
{
    public const int MaxRecords = 1000;

    [WolverinePost("/api/v1/exchanges/batch")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Post(
        HttpRequest request, Actor actor, LedgerSessions sessions, CodeRegistry codes, LedgerOptions options, TimeProvider clock)
    {
        var (batch, bad) = await JsonBody.ReadAsync<RecordBatch>(request);
        if (batch is null)
        {
            return bad!;
        }

        if (batch.Records is not { Count: > 0 and <= MaxRecords } records)
        {
            return Problems.Validation("records", $"must hold between 1 and {MaxRecords} records.");
        }

        var now = clock.GetUtcNow();
        var errors = new FieldErrors();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            var prefix = $"records[{i}]";
            var record = records[i];
            if (record.Inquiry is null)
            {
                errors.Add($"{prefix}.inquiry", "is required.");
                continue;
            }

            foreach (var (field, messages) in Fields(MakeInquiryEndpoint.Check(record.Inquiry, codes, now, options.ClockSkew)))
            {
                errors.Add($"{prefix}.inquiry.{field}", messages);
            }

            if (record.Provision is not null)
            {
                foreach (var (field, messages) in Fields(ProvideEndpoint.Check(record.Provision, now, options.ClockSkew)))
                {
                    errors.Add($"{prefix}.provision.{field}", messages);
                }

                if (record.Provision.ProvidedAt < record.Inquiry.RequestedAt)
                {
                    errors.Add($"{prefix}.provision.providedAt", "must not be before the inquiry's requestedAt.");
                }
            }

            if (record.Inquiry.ExchangeId is { } id && !seen.Add(id))
            {
                errors.Add($"{prefix}.inquiry.exchangeId", "appears more than once in this batch.");
            }

            if (actor.Is(Roles.Institution) && (record.Inquiry.InquirerCode != actor.InstitutionCode || record.Provision is not null))
            {
                return Problems.Forbidden("An institution sends a batch of its own inquiries only; provisions come from the provider or the network system.");
            }
        }

        if (errors.Any)
        {
            return errors.ToProblem();
        }

        for (var attempt = 0; ; attempt++)
        {
            await using var session = sessions.OpenFor(actor);
            var unprocessable = new FieldErrors();
            var outcome = await ExchangeBatch.DecideAsync(
                session, records, options, actor, i => $"records[{i}]", (i, field, message) => unprocessable.Add($"records[{i}].{field}", message));
            if (outcome.Conflict is not null)
            {
                return outcome.Conflict;
            }

            if (outcome.Refused)
            {
                return unprocessable.ToProblem(StatusCodes.Status422UnprocessableEntity);
            }

            if (outcome.Recorded == 0)
            {
                return Results.Ok(new BatchRecorded(0, records.Count, outcome.Results));
            }

            try
            {
                await session.SaveChangesAsync();
                return Results.Json(new BatchRecorded(outcome.Recorded, records.Count - outcome.Recorded, outcome.Results), statusCode: StatusCodes.Status201Created);
            }
            catch (Exception e) when (attempt == 0 && Concurrency.IsConflict(e))
            {
                // Some exchange of the batch was recorded meanwhile: decide again, record by record.
            }
        }
    }

    private static IEnumerable<(string Field, string Message)> Fields(FieldErrors errors) => errors.Entries;
}
