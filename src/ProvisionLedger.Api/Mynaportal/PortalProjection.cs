using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Parties;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>
/// Keeps one <see cref="PortalEntry"/> per person and record. The person is the inquiry's subject, and after a confirmed
/// mis-linkage also the person whose information was actually provided (<see cref="RecordAttributedToSubject"/>).
/// </summary>
public sealed class PortalProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var byExchange = new Dictionary<string, List<PortalEntry>>();

        async Task<List<PortalEntry>> EntriesOf(string exchangeId)
        {
            if (!byExchange.TryGetValue(exchangeId, out var list))
            {
                var stored = await operations.Query<PortalEntry>().Where(x => x.ExchangeId == exchangeId).ToListAsync(cancellation);
                byExchange[exchangeId] = list = stored.ToList();
            }

            return list;
        }

        foreach (var e in events)
        {
            switch (e.Data)
            {
                case InquiryMade made:
                {
                    var entry = new PortalEntry
                    {
                        Id = PortalEntry.IdOf(made.SubjectRef, made.ExchangeId),
                        SubjectRef = made.SubjectRef,
                        ExchangeId = made.ExchangeId,
                        InquirerCode = made.InquirerCode,
                        ProviderCode = made.ProviderCode,
                        ProcedureCode = made.ProcedureCode,
                        InfoItemCode = made.InfoItemCode,
                        RequestedAt = made.RequestedAt,
                        SortKey = made.RequestedAt.UtcTicks,
                    };
                    if (made.NonDisclosure is not null)
                    {
                        entry.ActiveMarks.Add(Sides.Inquirer);
                    }

                    entry.NonDisclosed = entry.ActiveMarks.Count > 0;

                    // A new exchange has no entries yet: no need to ask the database.
                    byExchange[made.ExchangeId] = [entry];
                    break;
                }

                case InformationProvided provided:
                    foreach (var entry in await EntriesOf(provided.ExchangeId))
                    {
                        entry.ProvidedAt = provided.ProvidedAt;
                        entry.Result = provided.Result;
                        if (provided.NonDisclosure is not null && !entry.ActiveMarks.Contains(Sides.Provider))
                        {
                            entry.ActiveMarks.Add(Sides.Provider);
                        }

                        entry.NonDisclosed = entry.ActiveMarks.Count > 0;
                    }

                    break;

                case NonDisclosureSet set:
                    foreach (var entry in await EntriesOf(set.ExchangeId))
                    {
                        if (!entry.ActiveMarks.Contains(set.Side))
                        {
                            entry.ActiveMarks.Add(set.Side);
                        }

                        entry.NonDisclosed = true;
                    }

                    break;

                case NonDisclosureLifted lifted:
                    foreach (var entry in await EntriesOf(lifted.ExchangeId))
                    {
                        entry.ActiveMarks.Remove(lifted.Side);
                        entry.NonDisclosed = entry.ActiveMarks.Count > 0;
                    }

                    break;

                case CorrectionAppended corrected:
                    foreach (var entry in await EntriesOf(corrected.ExchangeId))
                    {
                        entry.Corrections.Add(new CorrectionEntry(corrected.CorrectionId, corrected.Kind, corrected.Note, corrected.By, corrected.OccurredAt));
                    }

                    break;

                case RecordAttributedToSubject attributed:
                {
                    var entries = await EntriesOf(attributed.ExchangeId);
                    var template = entries.FirstOrDefault();
                    if (template is not null && entries.All(x => x.SubjectRef != attributed.SubjectRef))
                    {
                        entries.Add(new PortalEntry
                        {
                            Id = PortalEntry.IdOf(attributed.SubjectRef, attributed.ExchangeId),
                            SubjectRef = attributed.SubjectRef,
                            ExchangeId = template.ExchangeId,
                            InquirerCode = template.InquirerCode,
                            ProviderCode = template.ProviderCode,
                            ProcedureCode = template.ProcedureCode,
                            InfoItemCode = template.InfoItemCode,
                            RequestedAt = template.RequestedAt,
                            ProvidedAt = template.ProvidedAt,
                            Result = template.Result,
                            Corrections = [.. template.Corrections],
                            ActiveMarks = [.. template.ActiveMarks],
                            NonDisclosed = template.NonDisclosed,
                            SortKey = template.SortKey,
                        });
                    }

                    break;
                }
            }
        }

        foreach (var entry in byExchange.Values.SelectMany(x => x))
        {
            operations.Store(entry);
        }
    }
}
