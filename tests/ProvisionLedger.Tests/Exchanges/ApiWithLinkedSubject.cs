using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>
/// Given: a person linked at 千代田区 (the inquirer) and at 札幌市 (the provider), and at 札幌市 a local record of somebody
/// else. Tests of one class share this state; each exchange they record has an id of its own.
/// </summary>
public class ApiWithLinkedSubject : LedgerApi
{
    public LinkedPerson Person { get; private set; } = null!;

    /// <summary>札幌市's record of another person: providing under it for <see cref="Person"/> must be refused.</summary>
    public string StrangersProviderRecordId { get; } = $"S-{Guid.NewGuid().ToString("n")[..10]}";

    /// <summary>A 千代田区 local record id that was never linked.</summary>
    public string UnlinkedRecordId { get; } = LinkageScenarios.NewLocalRecordId();

    protected override async Task GivenAsync()
    {
        Person = await this.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await this.LinkAsync(Institutions.Sapporo, StrangersProviderRecordId, MyNumbers.Next());
    }
}
