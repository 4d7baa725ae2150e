using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Auditing;

/// <summary>
/// Installs the audit chain at start-up, after Marten's own schema (applied here again, idempotently, so the order of
/// hosted services does not matter). The service does not start without its chain.
/// </summary>
public sealed class AuditSchemaInstaller(IDocumentStore store, AuditConnections connections, ILogger<AuditSchemaInstaller> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await ReadModelIndexes.ApplyAsync(connections.DataSource, cancellationToken);
        await AuditSchema.ApplyAsync(connections.DataSource, LedgerStore.Schema, cancellationToken);
        logger.LogInformation("Audit chain installed on {Schema}.mt_events.", LedgerStore.Schema);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
