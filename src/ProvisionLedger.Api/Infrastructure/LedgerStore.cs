using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Weasel.Core;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.Parties;
using ProvisionLedger.Api.Statistics;
using ProvisionLedger.Api.Subjects;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Marten's configuration for the ledger: one event store, string stream keys from natural keys, full metadata.</summary>
public static class LedgerStore
{
    public const string Schema = "ledger";

    /// <summary>Each feature registers its events, documents and projections here.</summary>
    public static readonly List<Action<StoreOptions>> Features = [];

    public static void Configure(StoreOptions opts, string connectionString)
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = Schema;
        opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        opts.Events.StreamIdentity = StreamIdentity.AsString;

        // An audit ledger keeps who recorded each event, for which request, and the request's headers.
        opts.Events.MetadataConfig.CorrelationIdEnabled = true;
        opts.Events.MetadataConfig.CausationIdEnabled = true;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        opts.Events.MetadataConfig.UserNameEnabled = true;

        opts.UseSystemTextJsonForSerialization(enumStorage: EnumStorage.AsString, casing: Casing.CamelCase);

        opts.Events.AddEventTypes([
            typeof(SubjectLinked), typeof(LinkageVerified), typeof(LinkageDiscrepancyFound), typeof(MisLinkageConfirmed), typeof(SubjectUnlinked),
            typeof(InquiryMade), typeof(InformationProvided), typeof(NonDisclosureSet), typeof(NonDisclosureLifted), typeof(CorrectionAppended),
            typeof(RecordAttributedToSubject), typeof(DvProtectionRegistered), typeof(DvProtectionEnded), typeof(RecordsViewed),
            typeof(InquiryFileReceived),
        ]);

        opts.Schema.For<LocalRecordLink>().Identity(x => x.Id);
        opts.Schema.For<Linkage>().Identity(x => x.Id).Duplicate(x => x.SubjectRef).Duplicate(x => x.InstitutionCode);
        opts.Projections.Add(new LinkageProjection(), ProjectionLifecycle.Inline);

        // Party copies: keyset pages by (sort_key, id) within one party; the composite indexes are in ReadModelIndexes.
        // The owner and sort_key columns of the institutions' copies get no single-column index: the composite one serves them.
        opts.Schema.For<NwsRecord>().Identity(x => x.Id).Duplicate(x => x.SortKey);
        opts.Schema.For<InquirerRecord>().Identity(x => x.Id);
        ColumnsWithoutIndex.Add<InquirerRecord>(opts, nameof(InquirerRecord.InquirerCode), nameof(InquirerRecord.SortKey));
        opts.Schema.For<ProviderRecord>().Identity(x => x.Id);
        ColumnsWithoutIndex.Add<ProviderRecord>(opts, nameof(ProviderRecord.ProviderCode), nameof(ProviderRecord.SortKey));
        opts.Projections.Add(new PartyCopiesProjection(), ProjectionLifecycle.Inline);

        // The portal view: one person's visible entries, newest first, in one index range (ReadModelIndexes).
        // Only exchange_id has an index of its own (the projection's and reconciliation's lookups); the search filters the
        // other columns inside the person's (subject_ref, sort_key, exchange_id) range.
        opts.Schema.For<PortalEntry>().Identity(x => x.Id).Duplicate(x => x.ExchangeId);
        ColumnsWithoutIndex.Add<PortalEntry>(opts,
            nameof(PortalEntry.SubjectRef), nameof(PortalEntry.SortKey), nameof(PortalEntry.NonDisclosed), nameof(PortalEntry.RetentionKey));
        opts.Projections.Add(new PortalProjection(), ProjectionLifecycle.Inline);

        opts.Schema.For<SubjectProtection>().Identity(x => x.Id);
        opts.Schema.For<ProtectionIndex>().Identity(x => x.Id);
        opts.Projections.Add(new ProtectionProjection(), ProjectionLifecycle.Inline);

        opts.Schema.For<UsageCount>().Identity(x => x.Id).Duplicate(x => x.InquirerCode).Duplicate(x => x.ProcedureCode);
        opts.Projections.Add(new UsageStatisticsProjection(), ProjectionLifecycle.Async);

        Linkages.AssessingRisk.Configuration.Configure(opts);
        Incidents.Configuration.Configure(opts);
        AuditingConfiguration.ConfigureStore(opts);

        foreach (var feature in Features)
        {
            feature(opts);
        }
    }
}
