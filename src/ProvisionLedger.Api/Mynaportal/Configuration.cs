using System.Diagnostics.Metrics;
using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Mynaportal;

public static class Configuration
{
    /// <summary>One person's visible entries, newest first, in one index range.</summary>
    private static readonly ReadModelIndex EntryPage = new("ledger_portal_entry_page",
        $"create index if not exists ledger_portal_entry_page on {LedgerStore.Schema}.mt_doc_portalentry (subject_ref, sort_key, exchange_id)");

    /// <summary>A person's views by one index range (<see cref="PortalViews.Index"/>).</summary>
    private static readonly ReadModelIndex ViewsOfPerson = new(PortalViews.IndexName, PortalViews.Index);

    private static readonly Counter<long> ViewsAnswered =
        Telemetry.Meter.CreateCounter<long>("ledger.portal.views", "{view}", "Mynaportal searches answered (RecordsViewed).");

    /// <summary>The portal view and its views.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventType<RecordsViewed>();
        opts.Events.IgnoreIndex(ViewsOfPerson.Name);

        // Only exchange_id has an index of its own (the projection's and reconciliation's lookups); the search filters the
        // other columns inside the person's (subject_ref, sort_key, exchange_id) range.
        opts.Schema.For<PortalEntry>().WrittenSetBased().Identity(x => x.Id).Duplicate(x => x.ExchangeId).IgnoreIndex(EntryPage.Name);
        ColumnsWithoutIndex.Add<PortalEntry>(opts,
            nameof(PortalEntry.SubjectRef), nameof(PortalEntry.SortKey), nameof(PortalEntry.NonDisclosed), nameof(PortalEntry.RetentionKey));
        opts.Projections.Add(new PortalProjection(), ProjectionLifecycle.Inline);
    }

    public static IServiceCollection AddMynaportal(this IServiceCollection services) => services
        .CountCommitted<RecordsViewed>(ViewsAnswered)
        .AddReadModelIndex(EntryPage)
        .AddReadModelIndex(ViewsOfPerson);
}
