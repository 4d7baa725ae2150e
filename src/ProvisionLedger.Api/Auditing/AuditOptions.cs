using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Api.Auditing;

/// <summary>The <c>Ledger:Audit</c> settings.</summary>
public sealed class AuditOptions
{
    /// <summary>ECDSA P-256 private key (PKCS#8 PEM) that signs checkpoints; checkpoints are refused without it.</summary>
    public string? SigningKeyPem { get; init; }

    /// <summary>How often a checkpoint is made when the chain has grown; zero turns the timer off.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(300);

    public static AuditOptions From(IConfiguration configuration) => new()
    {
        SigningKeyPem = string.IsNullOrWhiteSpace(configuration["Ledger:Audit:SigningKeyPem"]) ? null : configuration["Ledger:Audit:SigningKeyPem"],
        CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue("Ledger:Audit:CheckpointIntervalSeconds", 300))),
    };

    public CheckpointSigner Signer() =>
        SigningKeyPem is null
            ? throw new InvalidOperationException("Configuration Ledger:Audit:SigningKeyPem is not set: no checkpoint can be signed.")
            : new CheckpointSigner(SigningKeyPem);
}

/// <summary>
/// Plain connections to the ledger database for the audit tables, which are not Marten documents. Its own data source,
/// so it does not depend on how Marten or Wolverine register theirs.
/// </summary>
public sealed class AuditConnections : IAsyncDisposable
{
    public AuditConnections(Privileges.LedgerLogins logins)
    {
        DataSource = NpgsqlDataSource.Create(logins.Runtime);
    }

    public NpgsqlDataSource DataSource { get; }

    public AuditDatabase Tables { get; } = new(LedgerStore.Schema);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
