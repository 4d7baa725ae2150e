using System.Diagnostics.Metrics;
using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Mynaportal;

public static class Configuration
{
    private static readonly Counter<long> ViewsAnswered =
        Telemetry.Meter.CreateCounter<long>("ledger.portal.views", "{view}", "Mynaportal searches answered (RecordsViewed).");

    /// <summary>The portal view and its views.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventType<RecordsViewed>();

        opts.Schema.For<PortalEntry>().Identity(x => x.Id)
            .Duplicate(x => x.SubjectRef).Duplicate(x => x.ExchangeId).Duplicate(x => x.SortKey).Duplicate(x => x.NonDisclosed)
            .Duplicate(x => x.RetentionKey);
        opts.Projections.Add(new PortalProjection(), ProjectionLifecycle.Inline);
    }

    /// <summary>Portal views counted; one person's visible entries, newest first, in one index range; a person's views by one range.</summary>
    public static IServiceCollection AddMynaportal(this IServiceCollection services) => services
        .CountCommitted<RecordsViewed>(ViewsAnswered)
        .AddReadModelIndex($"create index if not exists ledger_portal_entry_page on {LedgerStore.Schema}.mt_doc_portalentry (subject_ref, sort_key, exchange_id)")
        .AddReadModelIndex(PortalViews.Index);
}
