using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Exchanges;

namespace ProvisionLedger.Api.Parties;

/// <summary>
/// Builds the three copies of every exchange, each with only what that party holds. Inline: a party reads its copy in the
/// request after the write. Deterministic: every value comes from the events.
/// </summary>
public sealed class PartyCopiesProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var copies = await PreloadAsync(operations, events, cancellation);
        foreach (var e in events)
        {
            Apply(copies, e.Data);
        }

        // One statement per table for the whole batch of events (a bulk call's thousand exchanges included).
        PartyRows.Nws.Upsert(operations, [.. copies.Values.Select(c => c.Nws)]);
        PartyRows.Inquirer.Upsert(operations, [.. copies.Values.Select(c => c.Inquirer)]);
        PartyRows.Provider.Upsert(operations, [.. copies.Values.Select(c => c.Provider)]);
    }

    /// <summary>
    /// Applies one event to the copies it concerns. Pure: the projection and the reconciliation's rebuild from the events
    /// both use it, so a live copy that differs from its rebuild was changed outside the ledger or skipped an event.
    /// </summary>
    public static void Apply(Dictionary<string, (NwsRecord Nws, InquirerRecord Inquirer, ProviderRecord Provider)> copies, object data)
    {
        (NwsRecord, InquirerRecord, ProviderRecord)? Load(string exchangeId) =>
            copies.TryGetValue(exchangeId, out var found) ? found : null;

        switch (data)
        {
            case InquiryMade made:
            {
                var nws = Start(new NwsRecord { InquirerSubjectCode = made.InquirerSubjectCode }, made);
                var inquirer = Start(new InquirerRecord { SubjectCode = made.InquirerSubjectCode, LocalRecordId = made.InquirerLocalRecordId }, made);
                var provider = Start(new ProviderRecord(), made);
                copies[made.ExchangeId] = (nws, inquirer, provider);
                break;
            }

            case InformationProvided provided when Load(provided.ExchangeId) is var (nws, inquirer, provider):
                nws.ProviderSubjectCode = provided.ProviderSubjectCode;
                provider.SubjectCode = provided.ProviderSubjectCode;
                provider.LocalRecordId = provided.ProviderLocalRecordId;
                foreach (var copy in new PartyRecord[] { nws, inquirer, provider })
                {
                    copy.ProvidedAt = provided.ProvidedAt;
                    copy.Result = provided.Result;
                    copy.ErrorCode = provided.ErrorCode;
                    copy.PayloadDigest = provided.PayloadDigest;
                    if (provided.NonDisclosure is not null)
                    {
                        Mark(copy, Sides.Provider, provided.NonDisclosure.Reason, "provider", provided.ProvidedAt);
                    }
                }

                break;

            case NonDisclosureSet set when Load(set.ExchangeId) is var (nws, inquirer, provider):
                foreach (var copy in new PartyRecord[] { nws, inquirer, provider })
                {
                    Mark(copy, set.Side, set.Reason, set.By, set.OccurredAt);
                }

                break;

            case NonDisclosureLifted lifted when Load(lifted.ExchangeId) is var (nws, inquirer, provider):
                foreach (var copy in new PartyRecord[] { nws, inquirer, provider })
                {
                    var index = copy.NonDisclosures.FindLastIndex(m => m.Side == lifted.Side && m.LiftedAt is null);
                    if (index >= 0)
                    {
                        copy.NonDisclosures[index] = copy.NonDisclosures[index] with { LiftedAt = lifted.OccurredAt };
                    }
                }

                break;

            case CorrectionAppended corrected when Load(corrected.ExchangeId) is var (nws, inquirer, provider):
                foreach (var copy in new PartyRecord[] { nws, inquirer, provider })
                {
                    copy.Corrections.Add(new CorrectionEntry(corrected.CorrectionId, corrected.Kind, corrected.Note, corrected.By, corrected.OccurredAt));
                }

                break;
        }
    }

    /// <summary>
    /// Loads, in one round trip, the three copies of every exchange this batch changes but does not start: a bulk
    /// batch of a thousand provisions costs one query, not three thousand.
    /// </summary>
    private static async Task<Dictionary<string, (NwsRecord Nws, InquirerRecord Inquirer, ProviderRecord Provider)>> PreloadAsync(
        IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var copies = new Dictionary<string, (NwsRecord Nws, InquirerRecord Inquirer, ProviderRecord Provider)>();
        var started = events.Select(e => e.Data).OfType<InquiryMade>().Select(e => e.ExchangeId).ToHashSet(StringComparer.Ordinal);
        var touched = events.Select(e => ExchangeEvents.ExchangeIdOf(e.Data)).OfType<string>().Where(id => !started.Contains(id)).Distinct().ToArray();
        if (touched.Length == 0)
        {
            return copies;
        }

        var batch = operations.CreateBatchQuery();
        var nws = batch.Query<NwsRecord>().Where(x => x.Id.IsOneOf(touched)).ToList();
        var inquirers = batch.Query<InquirerRecord>().Where(x => x.Id.IsOneOf(touched)).ToList();
        var providers = batch.Query<ProviderRecord>().Where(x => x.Id.IsOneOf(touched)).ToList();
        await batch.Execute(cancellation);
        var inquirerById = (await inquirers).ToDictionary(x => x.Id);
        var providerById = (await providers).ToDictionary(x => x.Id);
        foreach (var n in await nws)
        {
            if (inquirerById.TryGetValue(n.Id, out var i) && providerById.TryGetValue(n.Id, out var p))
            {
                copies[n.Id] = (n, i, p);
            }
        }

        return copies;
    }

    private static T Start<T>(T copy, InquiryMade made) where T : PartyRecord
    {
        copy.Id = made.ExchangeId;
        copy.InquirerCode = made.InquirerCode;
        copy.ProviderCode = made.ProviderCode;
        copy.ProcedureCode = made.ProcedureCode;
        copy.InfoItemCode = made.InfoItemCode;
        copy.Period = made.Period;
        copy.RequestedAt = made.RequestedAt;
        if (made.NonDisclosure is not null)
        {
            Mark(copy, Sides.Inquirer, made.NonDisclosure.Reason, "inquirer", made.RequestedAt);
        }

        return copy;
    }

    private static void Mark(PartyRecord copy, string side, string reason, string by, DateTimeOffset at)
    {
        copy.NonDisclosures.Add(new NonDisclosureEntry(side, reason, by, at, null));
    }
}
