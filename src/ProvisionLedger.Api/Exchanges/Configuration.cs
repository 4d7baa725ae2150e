using Marten;

namespace ProvisionLedger.Api.Exchanges;

public static class Configuration
{
    /// <summary>Exchange events; the copies each party holds are the Parties feature's, the portal's the Mynaportal feature's.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventTypes([
            typeof(InquiryMade), typeof(InformationProvided), typeof(NonDisclosureSet), typeof(NonDisclosureLifted), typeof(CorrectionAppended),
            typeof(RecordAttributedToSubject), typeof(InquiryFileReceived),
        ]);
    }
}
