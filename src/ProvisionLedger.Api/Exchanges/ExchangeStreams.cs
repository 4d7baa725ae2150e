using JasperFx.Events;
using Marten;

namespace ProvisionLedger.Api.Exchanges;

public static class ExchangeStreams
{
    /// <summary>Folds an exchange stream into its write model; null when the exchange does not exist.</summary>
    public static ExchangeState? Fold(IReadOnlyList<IEvent> events)
    {
        if (events.Count == 0)
        {
            return null;
        }

        var state = new ExchangeState();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case InquiryMade x: state.Apply(x); break;
                case InformationProvided x: state.Apply(x); break;
                case NonDisclosureSet x: state.Apply(x); break;
                case NonDisclosureLifted x: state.Apply(x); break;
                case CorrectionAppended x: state.Apply(x); break;
            }
        }

        return state;
    }

    /// <summary>Loads the write model with the version it was read at, for an optimistic append.</summary>
    public static async Task<(ExchangeState? State, long Version)> LoadAsync(IDocumentSession session, string exchangeId, CancellationToken ct = default)
    {
        var events = await session.Events.FetchStreamAsync(ExchangeKeys.Stream(exchangeId), token: ct);
        return (Fold(events), events.Count == 0 ? 0 : events[^1].Version);
    }
}
