using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Exchanges;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>
/// Keeps one <see cref="PortalEntry"/> per person and record. The person is the inquiry's subject, and after a confirmed
/// mis-linkage also the person whose information was actually provided (<see cref="RecordAttributedToSubject"/>).
/// </summary>
public sealed class PortalProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var byExchange = await PreloadAsync(operations, events, cancellation);
        foreach (var e in events)
        {
            Apply(byExchange, e);
        }

        PortalEntry.Rows.Upsert(operations, [.. byExchange.Values.SelectMany(x => x)]);
    }

    /// <summary>
    /// Folds one event into the entries by exchange id. Pure, so reconciliation rebuilds the view from the events with the
    /// very code that keeps it.
    /// </summary>
    public static void Apply(Dictionary<string, List<PortalEntry>> byExchange, IEvent e)
    {
        var data = e.Data;
        List<PortalEntry> EntriesOf(string exchangeId)
        {
            if (!byExchange.TryGetValue(exchangeId, out var list))
            {
                byExchange[exchangeId] = list = [];
            }

            return list;
        }

        switch (data)
        {
            case InquiryMade made:
            {
                var entry = new PortalEntry
                {
                    SubjectRef = made.SubjectRef,
                    ExchangeId = made.ExchangeId,
                    InquirerCode = made.InquirerCode,
                    ProviderCode = made.ProviderCode,
                    ProcedureCode = made.ProcedureCode,
                    InfoItemCode = made.InfoItemCode,
                    RequestedAt = made.RequestedAt,
                    SortKey = made.RequestedAt.UtcTicks,
                    Persons = [made.SubjectRef],
                    RecordedAt = RecordingTime(e),
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
                foreach (var entry in EntriesOf(provided.ExchangeId))
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
                foreach (var entry in EntriesOf(set.ExchangeId))
                {
                    if (!entry.ActiveMarks.Contains(set.Side))
                    {
                        entry.ActiveMarks.Add(set.Side);
                    }

                    entry.NonDisclosed = true;
                }

                break;

            case NonDisclosureLifted lifted:
                foreach (var entry in EntriesOf(lifted.ExchangeId))
                {
                    entry.ActiveMarks.Remove(lifted.Side);
                    entry.NonDisclosed = entry.ActiveMarks.Count > 0;
                }

                break;

            case CorrectionAppended corrected:
                foreach (var entry in EntriesOf(corrected.ExchangeId))
                {
                    entry.Corrections.Add(new CorrectionEntry(corrected.CorrectionId, corrected.Kind, corrected.Note, corrected.By, corrected.OccurredAt));
                }

                break;

            case RecordAttributedToSubject attributed:
            {
                var entries = EntriesOf(attributed.ExchangeId);
                var template = entries.FirstOrDefault();
                foreach (var entry in entries)
                {
                    if (entry.Persons.Count == 0)
                    {
                        // Entries kept before Persons existed name only their own person.
                        entry.Persons.Add(entry.SubjectRef);
                    }

                    if (!entry.Persons.Contains(attributed.SubjectRef))
                    {
                        entry.Persons.Add(attributed.SubjectRef);
                    }
                }

                if (template is not null && entries.All(x => x.SubjectRef != attributed.SubjectRef))
                {
                    entries.Add(new PortalEntry
                    {
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
                        Persons = [.. template.Persons],
                        RecordedAt = template.RecordedAt,
                    });
                }

                break;
            }
        }
    }

    /// <summary>
    /// The event's recording time as the store keeps it: PostgreSQL holds microseconds, while an inline projection sees
    /// the time Marten stamped in memory, to the tick. Cut to the microsecond, a rebuild gives the same value.
    /// </summary>
    private static DateTimeOffset RecordingTime(IEvent e) => new(e.Timestamp.Ticks - e.Timestamp.Ticks % 10, e.Timestamp.Offset);

    /// <summary>Every stored entry of the exchanges this batch changes but does not start, in one query.</summary>
    private static async Task<Dictionary<string, List<PortalEntry>>> PreloadAsync(
        IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var started = events.Select(e => e.Data).OfType<InquiryMade>().Select(e => e.ExchangeId).ToHashSet(StringComparer.Ordinal);
        var touched = events.Select(e => ExchangeEvents.ExchangeIdOf(e.Data)).OfType<string>()
            .Where(id => !started.Contains(id)).Distinct().ToArray();
        if (touched.Length == 0)
        {
            return new Dictionary<string, List<PortalEntry>>(StringComparer.Ordinal);
        }

        var stored = await operations.Query<PortalEntry>().Where(x => x.ExchangeId.IsOneOf(touched)).ToListAsync(cancellation);
        return stored.GroupBy(x => x.ExchangeId).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }
}
