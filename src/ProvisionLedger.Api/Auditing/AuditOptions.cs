using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Api.Auditing;

/// <summary>The <c>Ledger:Audit</c> settings.</summary>
public sealed class AuditOptions : ICheckpointKeyStatus
{
    /// <summary>ECDSA P-256 private key (PKCS#8 PEM) that signs checkpoints; checkpoints are refused without it.</summary>
    public string? SigningKeyPem { get; init; }

    /// <summary>ECDSA P-256 private key (PKCS#8 PEM) that seals events as they are written; by default the checkpoint key.</summary>
    public string? SealKeyPem { get; init; }

    /// <summary>The origin line of checkpoint notes: the log's name (<c>Ledger:Audit:Origin</c>).</summary>
    public string Origin { get; init; } = "provision-ledger";

    /// <summary>A directory outside the database where every checkpoint is also written, append-only.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>How often a checkpoint is made when the chain has grown; zero turns the timer off.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// Keys come from configuration (<c>…Pem</c>) or a file (<c>…Path</c>, e.g. a mounted secret), never from the
    /// database. <c>Ledger:Audit:SealKeyPem</c>/<c>SealKeyPath</c> absent: the checkpoint key seals too.
    /// </summary>
    public static AuditOptions From(IConfiguration configuration)
    {
        var signing = Key(configuration, "Ledger:Audit:SigningKeyPem", "Ledger:Audit:SigningKeyPath");
        return new AuditOptions
        {
            SigningKeyPem = signing,
            SealKeyPem = Key(configuration, "Ledger:Audit:SealKeyPem", "Ledger:Audit:SealKeyPath") ?? signing,
            Origin = configuration["Ledger:Audit:Origin"] is { Length: > 0 } origin ? origin : "provision-ledger",
            CheckpointDirectory = configuration["Ledger:Audit:CheckpointDirectory"] is { Length: > 0 } directory ? directory : null,
            CheckpointInterval = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue("Ledger:Audit:CheckpointIntervalSeconds", 300))),
        };
    }

    private static string? Key(IConfiguration configuration, string pemKey, string pathKey)
    {
        if (!string.IsNullOrWhiteSpace(configuration[pemKey]))
        {
            return configuration[pemKey];
        }

        if (configuration[pathKey] is { Length: > 0 } path)
        {
            return File.Exists(path)
                ? File.ReadAllText(path)
                : throw new InvalidOperationException($"{pathKey} names {path}, which does not exist.");
        }

        return null;
    }

    public bool CheckpointKeyConfigured => SigningKeyPem is not null;

    public CheckpointSigner Signer() =>
        SigningKeyPem is null
            ? throw new InvalidOperationException("Configuration Ledger:Audit:SigningKeyPem is not set: no checkpoint can be signed.")
            : new CheckpointSigner(SigningKeyPem);
}

/// <summary>
/// Plain connections to the ledger database for the audit tables, which are not Marten documents. Its own data source,
/// so it does not depend on how Marten or Wolverine register theirs.
/// </summary>
public sealed class AuditConnections : IRuntimeDataSource, IAsyncDisposable
{
    public AuditConnections(Privileges.LedgerLogins logins)
    {
        DataSource = NpgsqlDataSource.Create(logins.Runtime);
    }

    public NpgsqlDataSource DataSource { get; }

    public AuditDatabase Tables { get; } = new(LedgerStore.Schema);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
