using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Linkages;

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

        opts.Schema.For<LocalRecordLink>().Identity(x => x.Id);
        opts.Schema.For<Linkage>().Identity(x => x.Id).Index(x => x.SubjectRef).Index(x => x.InstitutionCode);
        opts.Projections.Add(new LinkageProjection(), ProjectionLifecycle.Inline);

        AuditingConfiguration.ConfigureStore(opts);

        foreach (var feature in Features)
        {
            feature(opts);
        }
    }
}
