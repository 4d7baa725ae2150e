using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.BrowserTests.Portal;

/// <summary>
/// Given, through the API: a person linked at 千代田区 and 札幌市 with four exchanges between them, one of which carries
/// a correction (追記) and one of which 千代田区 marked non-disclosed with its inquiry; and a second person, under DV
/// protection, with an exchange of their own.
/// </summary>
public sealed class PortalLedger : LedgerApi
{
    public const string CorrectionNote = "照会対象者誤りのため追記";

    public LinkedPerson Person { get; private set; } = null!;

    public LinkedPerson ProtectedPerson { get; private set; } = null!;

    public static DateTimeOffset Latest { get; } = ExchangeScenarios.At("2025-06-20T09:00:00+09:00");

    /// <summary>Non-disclosed: must never show.</summary>
    public static DateTimeOffset Hidden { get; } = ExchangeScenarios.At("2025-06-15T09:00:00+09:00");

    public static DateTimeOffset Corrected { get; } = ExchangeScenarios.At("2025-06-10T09:00:00+09:00");

    public static DateTimeOffset CorrectionAt { get; } = ExchangeScenarios.At("2025-06-11T10:00:00+09:00");

    public static DateTimeOffset Earliest { get; } = ExchangeScenarios.At("2025-06-01T09:00:00+09:00");

    protected override async Task GivenAsync()
    {
        Person = await this.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await this.RecordExchangeAsync(Person, Earliest);
        var corrected = await this.RecordExchangeAsync(Person, Corrected);
        await Institution(Institutions.Chiyoda).AppendCorrectionAsync(corrected, ExchangeScenarios.CorrectionRequest(CorrectionNote, CorrectionAt));
        await this.RecordExchangeAsync(Person, Hidden, inquiry: ExchangeScenarios.NonDisclosed);
        await this.RecordExchangeAsync(Person, Latest);

        ProtectedPerson = await this.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await this.RecordExchangeAsync(ProtectedPerson, Earliest.AddDays(3));
        await this.ProtectAsync(ProtectedPerson.MyNumber);
    }
}
