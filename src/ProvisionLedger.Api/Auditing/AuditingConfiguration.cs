using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Auditing.Retention;

namespace ProvisionLedger.Api.Auditing;

public static class AuditingConfiguration
{
    /// <summary>The audit chain installer, checkpoints (on demand and periodic) and the read-access log.</summary>
    public static WebApplicationBuilder AddLedgerAuditing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => AuditOptions.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<AuditConnections>();
        builder.Services.AddSingleton<CheckpointService>();
        builder.Services.AddScoped<ReadAccessLog>();

        // Registered after AddMarten: the installer runs once Marten's schema is there, before the first request.
        builder.Services.AddHostedService<AuditSchemaInstaller>();
        builder.Services.AddHostedService<PeriodicCheckpoints>();
        return builder;
    }

    /// <summary>The auditing feature's events, documents and projections (called from <c>LedgerStore.Configure</c>).</summary>
    public static void ConfigureStore(StoreOptions opts)
    {
        opts.Events.AddEventType<ReadAccessRecorded>();
        opts.Events.AddEventType<StreamsArchived>();
        opts.Schema.For<ReadAccessEntry>().Identity(x => x.Id).Duplicate(x => x.SortKey)
            .Index(x => x.InstitutionCode).Index(x => x.SubjectRef).Index(x => x.Principal);
        opts.Projections.Add(new ReadAccessProjection(), ProjectionLifecycle.Inline);
    }
}
