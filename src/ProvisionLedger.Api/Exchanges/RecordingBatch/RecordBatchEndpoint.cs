using System.Security.Claims;
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
        HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, CodeRegistry codes, LedgerOptions options, TimeProvider clock)
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

        var actor = Actor.From(user);
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
            var outcome = await DecideAsync(session, records, options, actor);
            if (outcome.Problem is not null)
            {
                return outcome.Problem;
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

    private static async Task<(IResult? Problem, int Recorded, List<BatchRecordResult> Results)> DecideAsync(
        IDocumentSession session, List<BatchRecord> records, LedgerOptions options, Actor actor)
    {
        var linkKeys = records.SelectMany(r => new[]
            {
                LinkageKeys.Stream(r.Inquiry!.InquirerCode!, r.Inquiry.InquirerLocalRecordId!),
                r.Provision is null ? null : LinkageKeys.Stream(r.Inquiry.ProviderCode!, r.Provision.ProviderLocalRecordId!),
            })
            .OfType<string>().Distinct().ToArray();
        var links = (await session.LoadManyAsync<LocalRecordLink>(linkKeys)).ToDictionary(l => l.Id);
        var streamKeys = records.Select(r => ExchangeKeys.Stream(r.Inquiry!.ExchangeId!)).ToArray();
        var existing = (await session.QueryAsync<string>(
            $"select id from {LedgerStore.Schema}.mt_streams where id = any(?)", new object[] { streamKeys })).ToHashSet(StringComparer.Ordinal);

        var unprocessable = new FieldErrors();
        var results = new List<BatchRecordResult>(records.Count);
        var recorded = 0;
        // Ids of exchanges the caller is no party of: decided as unknown ids, and never named in the answer.
        var unavailable = false;
        for (var i = 0; i < records.Count; i++)
        {
            var (inquiry, provision) = (records[i].Inquiry!, records[i].Provision);
            var key = ExchangeKeys.Stream(inquiry.ExchangeId!);
            var inquiryFingerprint = Fingerprint.Of(inquiry, options.SubjectHmacKey);
            var provisionFingerprint = provision is null ? null : Fingerprint.Of(provision, options.SubjectHmacKey);
            var state = existing.Contains(key) ? (await ExchangeStreams.LoadAsync(session, inquiry.ExchangeId!)).State : null;
            var taken = state is not null && state.SideOf(actor) is null;
            if (state is not null && !taken)
            {
                if (state.InquiryFingerprint != inquiryFingerprint || (provisionFingerprint is not null && state.ProvisionFingerprint != provisionFingerprint))
                {
                    return (Problems.Conflict($"records[{i}]: an exchange with this exchangeId exists with other content."), 0, results);
                }

                results.Add(new BatchRecordResult(inquiry.ExchangeId!, "already-recorded"));
                continue;
            }

            if (!links.TryGetValue(LinkageKeys.Stream(inquiry.InquirerCode!, inquiry.InquirerLocalRecordId!), out var inquirerLink) || !inquirerLink.Active)
            {
                unprocessable.Add($"records[{i}].inquiry.inquirerLocalRecordId", "is not linked to a person at this institution.");
                continue;
            }

            if (inquiry.RequestedAt < inquirerLink.LinkedAt)
            {
                unprocessable.Add($"records[{i}].inquiry.requestedAt", "precedes the linkage of inquirerLocalRecordId that the inquiry relies on.");
                continue;
            }

            var events = new List<object> { MakeInquiryEndpoint.ToEvent(inquiry, inquirerLink, inquiryFingerprint) };
            if (provision is not null)
            {
                if (!links.TryGetValue(LinkageKeys.Stream(inquiry.ProviderCode!, provision.ProviderLocalRecordId!), out var providerLink)
                    || !providerLink.Active || providerLink.SubjectRef != inquirerLink.SubjectRef)
                {
                    unprocessable.Add($"records[{i}].provision.providerLocalRecordId", "is not linked to the person the inquiry is about.");
                    continue;
                }

                if (provision.ProvidedAt < providerLink.LinkedAt)
                {
                    unprocessable.Add($"records[{i}].provision.providedAt", "precedes the linkage of providerLocalRecordId that the provision relies on.");
                    continue;
                }

                events.Add(ProvideEndpoint.ToEvent(inquiry.ExchangeId!, provision, providerLink, provisionFingerprint!));
            }

            if (taken)
            {
                unavailable = true;
                continue;
            }

            session.Events.StartStream(key, events.ToArray());
            results.Add(new BatchRecordResult(inquiry.ExchangeId!, "recorded"));
            recorded++;
        }

        return unprocessable.Any ? (unprocessable.ToProblem(StatusCodes.Status422UnprocessableEntity), 0, results)
            : unavailable ? (Problems.Conflict("An exchangeId of this batch cannot be recorded; nothing was recorded."), 0, results)
            : (null, recorded, results);
    }

    private static IEnumerable<(string Field, string Message)> Fields(FieldErrors errors) => errors.Entries;
}
