using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Parties;

public static class Configuration
{
    /// <summary>An institution's page of its copies is one index range: (owner, sort_key, id).</summary>
    private static readonly ReadModelIndex InquirerPage = new("ledger_inquirer_record_page",
        $"create index if not exists ledger_inquirer_record_page on {LedgerStore.Schema}.mt_doc_inquirerrecord (inquirer_code, sort_key, id)");

    private static readonly ReadModelIndex ProviderPage = new("ledger_provider_record_page",
        $"create index if not exists ledger_provider_record_page on {LedgerStore.Schema}.mt_doc_providerrecord (provider_code, sort_key, id)");

    /// <summary>The party copies: keyset pages by (sort_key, id) within one party.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Schema.For<NwsRecord>().WrittenSetBased().Identity(x => x.Id).Duplicate(x => x.SortKey);
        // The owner and sort_key columns of the institutions' copies get no single-column index: the composite one serves them.
        opts.Schema.For<InquirerRecord>().WrittenSetBased().Identity(x => x.Id).IgnoreIndex(InquirerPage.Name);
        ColumnsWithoutIndex.Add<InquirerRecord>(opts, nameof(InquirerRecord.InquirerCode), nameof(InquirerRecord.SortKey));
        opts.Schema.For<ProviderRecord>().WrittenSetBased().Identity(x => x.Id).IgnoreIndex(ProviderPage.Name);
        ColumnsWithoutIndex.Add<ProviderRecord>(opts, nameof(ProviderRecord.ProviderCode), nameof(ProviderRecord.SortKey));
        opts.Projections.Add(new PartyCopiesProjection(), ProjectionLifecycle.Inline);
    }

    public static IServiceCollection AddParties(this IServiceCollection services) => services
        .AddReadModelIndex(InquirerPage)
        .AddReadModelIndex(ProviderPage);
}
