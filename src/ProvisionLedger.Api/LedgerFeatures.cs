using Marten;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Incidents;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.Parties;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;

namespace ProvisionLedger.Api;

/// <summary>
/// The composition root's list of features. Each feature's <c>Configuration</c> registers its own events, documents,
/// indexes, projections and services; <c>Infrastructure/</c> knows none of them.
/// </summary>
public static class LedgerFeatures
{
    /// <summary>
    /// The ledger's whole store: Marten's settings, then each feature's part. Inline projections run in this order. The
    /// service, the command line and the tests build their stores with this.
    /// </summary>
    public static void ConfigureStore(StoreOptions opts, string connectionString)
    {
        LedgerStore.ApplySettings(opts, connectionString);
        Linkages.Configuration.Configure(opts);
        Exchanges.Configuration.Configure(opts);
        Parties.Configuration.Configure(opts);
        Mynaportal.Configuration.Configure(opts);
        Subjects.Configuration.Configure(opts);
        Statistics.Configuration.Configure(opts);
        Incidents.Configuration.Configure(opts);
        Auditing.Configuration.Configure(opts);
    }

    /// <summary>Each feature's services. Call after <c>AddMarten</c> and before <c>UseWolverine</c> (auditing's installer needs both).</summary>
    public static WebApplicationBuilder AddLedgerFeatures(this WebApplicationBuilder builder)
    {
        builder.Services.AddReferenceData(builder.Configuration);
        builder.Services.AddSubjects();
        builder.Services.AddExchanges();
        builder.Services.AddParties();
        builder.Services.AddMynaportal();
        builder.Services.AddIncidents();
        builder.AddLedgerAuditing();
        return builder;
    }
}
