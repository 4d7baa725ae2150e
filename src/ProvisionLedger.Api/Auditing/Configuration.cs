using JasperFx.Events.Projections;
using JasperFx;
using Marten;
using ProvisionLedger.Api.Auditing.Privileges;
using ProvisionLedger.Api.Auditing.Chaining;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Auditing.Retention;
using ProvisionLedger.Api.Auditing.Sealing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using Wolverine;

namespace ProvisionLedger.Api.Auditing;

public static class Configuration
{
    /// <summary>The access log pages by (sort_key, id).</summary>
    private static readonly ReadModelIndex AccessPage = new("ledger_read_access_page",
        $"create index if not exists ledger_read_access_page on {LedgerStore.Schema}.mt_doc_readaccessentry (sort_key, id)");

    /// <summary>The audit chain installer, checkpoints (on demand and periodic) and the read-access log.</summary>
    public static WebApplicationBuilder AddLedgerAuditing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => AuditOptions.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton(sp => LedgerLogins.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.ConfigureMarten((sp, opts) =>
        {
            if (sp.GetRequiredService<AuditOptions>().SealKeyPem is { } sealKey)
            {
                EventSealing.Use(opts, new SealSigner(sealKey), sp.GetRequiredService<TimeProvider>());
            }

            if (sp.GetRequiredService<LedgerLogins>().Separated)
            {
                // The runtime login owns nothing and creates nothing: AuditSchemaInstaller applies the schema as the owner
                // before Marten's own start-up step, which then finds nothing to change.
                opts.AutoCreateSchemaObjects = AutoCreate.None;
            }
        });
        builder.Services.AddSingleton<IWolverineExtension, RuntimeLoginBuildsNothing>();
        builder.Services.AddSingleton<AuditConnections>();
        builder.Services.AddSingleton<IRuntimeDataSource>(sp => sp.GetRequiredService<AuditConnections>());
        builder.Services.AddSingleton<ICheckpointKeyStatus>(sp => sp.GetRequiredService<AuditOptions>());
        builder.Services.AddSingleton<ISchemaAdditions>(sp => ActivatorUtilities.CreateInstance<AuditSchemaInstaller>(sp));
        builder.Services.AddSingleton<CheckpointService>();
        builder.Services.AddSingleton<ChainIntegrationStatus>();
        builder.Services.AddSingleton<ChainIntegrator>();
        builder.Services.AddSingleton<Wolverine.Runtime.Agents.IAgentFamily, ChainIntegrationAgentFamily>();
        builder.Services.AddScoped<ReadAccessLog>();
        builder.Services.AddReadModelIndex(AccessPage);

        // Registered after AddMarten and before UseWolverine, so it runs before Wolverine starts. With an owner login it replaces
        // Marten's own start-up step (which would apply the schema with the runtime login) and runs first of all.
        var installer = ServiceDescriptor.Singleton<IHostedService, AuditSchemaInstaller>();
        var martenActivator = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "MartenActivator");
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("LedgerAdmin")) && martenActivator is not null)
        {
            // First of all hosted services: the others (the health heartbeat, Wolverine) may touch tables it creates.
            builder.Services.Remove(martenActivator);
            builder.Services.Insert(0, installer);
        }
        else
        {
            builder.Services.Add(installer);
        }

        builder.Services.AddHostedService<PeriodicCheckpoints>();
        return builder;
    }

    /// <summary>The read-access log and the archiving record.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventType<ReadAccessRecorded>();
        opts.Events.AddEventType<StreamsArchived>();
        opts.Schema.For<ReadAccessEntry>().Identity(x => x.Id).Duplicate(x => x.SortKey)
            .Index(x => x.InstitutionCode).Index(x => x.SubjectRef).Index(x => x.Principal).IgnoreIndex(AccessPage.Name);
        opts.Projections.Add(new ReadAccessProjection(), ProjectionLifecycle.Inline);
    }
}

/// <summary>With a separate owner login, Wolverine's envelope tables are applied by <see cref="AuditSchemaInstaller"/>, not by Wolverine.</summary>
internal sealed class RuntimeLoginBuildsNothing(LedgerLogins logins) : IWolverineExtension
{
    public void Configure(WolverineOptions options)
    {
        if (logins.Separated)
        {
            options.AutoBuildMessageStorageOnStartup = AutoCreate.None;
        }
    }
}
