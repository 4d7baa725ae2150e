using Marten;
using Npgsql;
using ProvisionLedger.Api.Auditing.Privileges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using JasperFx;
using Weasel.Core;
using Weasel.Core.Migrations;
using Wolverine.Persistence.Durability;

namespace ProvisionLedger.Api.Auditing;

/// <summary>
/// Applies the ledger's schema at start-up, before Wolverine starts and before the first request: Marten's tables,
/// Wolverine's envelope tables, the read-model indexes and the audit objects. With <c>ConnectionStrings:LedgerAdmin</c>
/// every change is made by that owner login, the runtime login is granted its rights and then checked to hold no more
/// (the service refuses to start otherwise). Without it the runtime login applies the schema and owns the tables, with
/// a warning: anyone holding it can then switch the guards off.
/// </summary>
public sealed class AuditSchemaInstaller(
    IDocumentStore store,
    IServiceProvider services,
    AuditConnections connections,
    LedgerLogins logins,
    AuditOptions options,
    IHostEnvironment environment,
    IEnumerable<ReadModelIndex> readModelIndexes,
    ILogger<AuditSchemaInstaller> logger) : IHostedService, ISchemaAdditions
{
    public bool AppliesMartenChanges => logins.Separated;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (environment.IsProduction() && options.SigningKeyPem is null)
        {
            throw new InvalidOperationException(
                "In Production the service needs a checkpoint key: set Ledger:Audit:SigningKeyPem or Ledger:Audit:SigningKeyPath " +
                "(an ECDSA P-256 PKCS#8 PEM kept outside the database). Without it nothing could be checkpointed or sealed.");
        }

        await ApplySchemaAsync(cancellationToken);
    }

    /// <summary>The schema step alone (also <c>db-apply</c>, which serves nothing and needs no key).</summary>
    public async Task ApplySchemaAsync(CancellationToken cancellationToken)
    {
        if (!logins.Separated)
        {
            logger.LogWarning(
                "ConnectionStrings:LedgerAdmin is not set: the schema is applied with ConnectionStrings:Ledger, so the service's own login " +
                "owns its tables and can switch off the append-only guards. Give the schema to an owner login (ops/README.md).");
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await ApplyAuditObjectsAsync(connections.DataSource, cancellationToken);
            return;
        }

        await using var owner = NpgsqlDataSource.Create(logins.Admin!);
        // The runtime store and message store work out what is missing (reading the catalog needs no rights); the owner
        // login makes the changes.
        await ApplyAsync((IDatabase)store.Storage.Database, owner, cancellationToken);
        if (services.GetService<IMessageStore>() is IDatabase messages)
        {
            await ApplyAsync(messages, owner, cancellationToken);
        }

        await ApplyAuditObjectsAsync(owner, cancellationToken);
        await RuntimeRole.GrantAsync(owner, LedgerStore.Schema, logins.RuntimeUser, cancellationToken);
        var excess = await RuntimeRole.ExcessAsync(owner, LedgerStore.Schema, logins.RuntimeUser, cancellationToken);
        if (excess.Count > 0)
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:Ledger must be a least-privileged runtime login, but {string.Join("; ", excess)}. " +
                "Use a login that owns nothing (ops/README.md, \"Database logins\").");
        }

        logger.LogInformation("Schema applied by the owner login; runtime login {Role} checked least-privileged.", logins.RuntimeUser);
    }

    public async Task AssertSchemaAsync(CancellationToken ct)
    {
        await using var command = connections.DataSource.CreateCommand(
            $"select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = '{LedgerStore.Schema}' and p.proname = 'audit_chain_integrate'");
        if ((long)(await command.ExecuteScalarAsync(ct))! == 0)
        {
            throw new InvalidOperationException($"The audit chain is not installed in {LedgerStore.Schema}: run db-apply.");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ApplyAuditObjectsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await ReadModelIndexes.ApplyAsync(dataSource, readModelIndexes, ct);
        await AuditSchema.ApplyAsync(dataSource, LedgerStore.Schema, ct);
        await DatabaseHealth.ApplyHeartbeatTableAsync(dataSource, ct);
        await RegisterKeyAsync(dataSource, options.SealKeyPem, "seal", ct);
        await RegisterKeyAsync(dataSource, options.SigningKeyPem, "checkpoint", ct);
        if (options.SealKeyPem is null)
        {
            logger.LogWarning("No seal key (Ledger:Audit:SealKeyPem, SealKeyPath or the checkpoint key): events are written unsealed and `verify` will report them.");
        }

        logger.LogInformation("Audit chain installed on {Schema}.mt_events.", LedgerStore.Schema);
    }

    /// <summary>Publishes a key's public half in audit_keys (written by the owner login only), so verify can find it by id.</summary>
    private static async Task RegisterKeyAsync(NpgsqlDataSource dataSource, string? privateKeyPem, string purpose, CancellationToken ct)
    {
        if (privateKeyPem is null)
        {
            return;
        }

        using var signer = new SealSigner(privateKeyPem);
        await using var command = dataSource.CreateCommand(
            $"insert into {LedgerStore.Schema}.audit_keys (key_id, public_key_pem, purpose) values (@id, @pem, @purpose) on conflict do nothing");
        command.Parameters.AddWithValue("id", signer.KeyId);
        command.Parameters.AddWithValue("pem", signer.PublicKeyPem);
        command.Parameters.AddWithValue("purpose", purpose);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task ApplyAsync(IDatabase database, NpgsqlDataSource owner, CancellationToken ct)
    {
        var migration = await database.CreateMigrationAsync(ct);
        if (migration.Difference == SchemaPatchDifference.None)
        {
            return;
        }

        var sql = new StringWriter();
        migration.WriteAllUpdates(sql, database.Migrator, AutoCreate.CreateOrUpdate);
        await using var command = owner.CreateCommand(sql.ToString());
        await command.ExecuteNonQueryAsync(ct);
    }
}
