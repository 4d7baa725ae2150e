using Microsoft.AspNetCore.Hosting;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The service with a checkpoint signing key of its own and no periodic checkpoints (tests make them on demand).</summary>
public class AuditedLedgerApi : LedgerApi
{
    public string CheckpointKeyPem { get; } = TestKeys.NewCheckpointKeyPem();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Ledger:Audit:SigningKeyPem", CheckpointKeyPem);
        // No seal key of its own: the checkpoint key seals too (the default).
        builder.UseSetting("Ledger:Audit:SealKeyPem", "");
        builder.UseSetting("Ledger:Audit:CheckpointIntervalSeconds", "0");
    }
}
