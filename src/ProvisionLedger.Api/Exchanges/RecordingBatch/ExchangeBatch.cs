using Marten;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;

namespace ProvisionLedger.Api.Exchanges.RecordingBatch;

/// <summary>What deciding a batch came to: a conflict; or whether the ledger's state refused any record, and the results.</summary>
public sealed record BatchDecision(IResult? Conflict, bool Refused, int Recorded, IReadOnlyList<BatchRecordResult> Results);

/// <summary>
/// Decides many exchanges at once against the ledger's state, with set-based reads (every local record link in one
/// query, every existing exchange stream in another), and starts the streams of the new ones in the session. Shared by
/// the JSON batch route and 一括照会 files; the shape of every record is checked by the caller before.
/// </summary>
public static class ExchangeBatch
{
    /// <param name="label">Names a record for a conflict's title (<c>records[3]</c>, <c>line 4</c>).</param>
    /// <param name="refuse">Reports a record (by index) the ledger's state refuses, with the field (as the JSON batch names it) and why.</param>
    public static async Task<BatchDecision> DecideAsync(
        IDocumentSession session, IReadOnlyList<BatchRecord> records, LedgerOptions options, Actor actor, Func<int, string> label,
        Action<int, string, string> refuse)
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

        var refused = false;
        // Ids of exchanges the caller is no party of: decided as unknown ids, and never named in the answer.
        var unavailable = false;
        var results = new List<BatchRecordResult>(records.Count);
        var recorded = 0;
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
                    return new BatchDecision(
                        Problems.Conflict($"{label(i)}: an exchange with this exchangeId exists with other content."), false, 0, results);
                }

                results.Add(new BatchRecordResult(inquiry.ExchangeId!, "already-recorded"));
                continue;
            }

            // The single routes' rules, record by record (MakeInquiryEndpoint.CheckLink, ProvideEndpoint.CheckLink).
            var inquirerLink = links.GetValueOrDefault(LinkageKeys.Stream(inquiry.InquirerCode!, inquiry.InquirerLocalRecordId!));
            if (MakeInquiryEndpoint.CheckLink(inquiry, inquirerLink) is { } inquiryRefusal)
            {
                refuse(i, $"inquiry.{inquiryRefusal.Field}", inquiryRefusal.Message);
                refused = true;
                continue;
            }

            var events = new List<object> { MakeInquiryEndpoint.ToEvent(inquiry, inquirerLink!, inquiryFingerprint) };
            if (provision is not null)
            {
                var providerLink = links.GetValueOrDefault(LinkageKeys.Stream(inquiry.ProviderCode!, provision.ProviderLocalRecordId!));
                if (ProvideEndpoint.CheckLink(provision, providerLink, inquirerLink!.SubjectRef!) is { } provisionRefusal)
                {
                    refuse(i, $"provision.{provisionRefusal.Field}", provisionRefusal.Message);
                    refused = true;
                    continue;
                }

                events.Add(ProvideEndpoint.ToEvent(inquiry.ExchangeId!, provision, providerLink!, provisionFingerprint!));
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

        return refused ? new BatchDecision(null, true, 0, results)
            : unavailable ? new BatchDecision(Problems.Conflict("An exchangeId of this batch cannot be recorded; nothing was recorded."), false, 0, results)
            : new BatchDecision(null, false, recorded, results);
    }
}
