namespace ProvisionLedger.Api.Exchanges;

/// <summary>What the read models of exchanges (the party copies, the portal entries) share about its events.</summary>
public static class ExchangeEvents
{
    /// <summary>The exchange an event changes once its inquiry has opened it; null for the inquiry itself and other events.</summary>
    public static string? ExchangeIdOf(object data) => data switch
    {
        InformationProvided x => x.ExchangeId,
        NonDisclosureSet x => x.ExchangeId,
        NonDisclosureLifted x => x.ExchangeId,
        CorrectionAppended x => x.ExchangeId,
        RecordAttributedToSubject x => x.ExchangeId,
        _ => null,
    };
}

/// <summary>An appended correction (追記) as every copy of the record shows it.</summary>
public sealed record CorrectionEntry(string CorrectionId, string Kind, string Note, string By, DateTimeOffset OccurredAt);
