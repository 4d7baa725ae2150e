using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.BrowserTests.Auditing;

/// <summary>
/// Given, through the API: the service with a checkpoint signing key of its own (no periodic checkpoints), a person
/// linked at 千代田区 and 札幌市 with two exchanges, one corrected, and one Mynaportal view of that person's records.
/// </summary>
public sealed class AuditConsoleLedger : LedgerApi
{
    public const string CorrectionNote = "事務手続の誤りのため追記";

    private readonly string _checkpointKeyPem = NewCheckpointKeyPem();

    public LinkedPerson Person { get; private set; } = null!;

    public string CorrectedExchangeId { get; private set; } = "";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Ledger:Audit:SigningKeyPem", _checkpointKeyPem);
        builder.UseSetting("Ledger:Audit:CheckpointIntervalSeconds", "0");
    }

    protected override async Task GivenAsync()
    {
        Person = await this.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await this.RecordExchangeAsync(Person, ExchangeScenarios.RequestedAt);
        CorrectedExchangeId = await this.RecordExchangeAsync(Person, ExchangeScenarios.RequestedAt.AddDays(2));
        await Institution(Institutions.Chiyoda).AppendCorrectionAsync(CorrectedExchangeId,
            ExchangeScenarios.CorrectionRequest(CorrectionNote, ExchangeScenarios.RequestedAt.AddDays(3), kind: "wrong-procedure"));
        await this.SearchPortalAsync(Person.MyNumber);
    }

    private static string NewCheckpointKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
