using System.Diagnostics.Metrics;
using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Exchanges;

public static class Configuration
{
    private static readonly Counter<long> ExchangesRecorded =
        Telemetry.Meter.CreateCounter<long>("ledger.exchanges.recorded", "{exchange}", "Inquiries recorded: each opens an exchange.");

    /// <summary>Exchange events; the copies each party holds are the Parties feature's, the portal's the Mynaportal feature's.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventTypes([
            typeof(InquiryMade), typeof(InformationProvided), typeof(NonDisclosureSet), typeof(NonDisclosureLifted), typeof(CorrectionAppended),
            typeof(RecordAttributedToSubject), typeof(InquiryFileReceived),
        ]);
    }

    public static IServiceCollection AddExchanges(this IServiceCollection services) => services.CountCommitted<InquiryMade>(ExchangesRecorded);
}
