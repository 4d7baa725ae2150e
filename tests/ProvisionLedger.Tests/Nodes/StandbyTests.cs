using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Nodes;

/// <summary>
/// The service on a primary with a streaming standby of its own: reads that may lag (party copies) come from the
/// standby named by <c>ConnectionStrings:LedgerReadOnly</c>, and when the primary dies and the standby is promoted the
/// service writes again on it with nothing it acknowledged lost.
/// </summary>
[Collection(ServiceProcesses.Name)]
public sealed class StandbyTests(Xunit.Abstractions.ITestOutputHelper log) : IAsyncLifetime
{
    private const string WritesName = "ledger-writes";
    private const string ReadsName = "ledger-lagging-reads";

    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _hmacKey = RandomNumberGenerator.GetBytes(32);
    private ReplicatedPostgres _cluster = null!;
    private ServiceNode _service = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ReplicatedPostgres.StartAsync();
        // Both servers in both strings, as an operator names a cluster whose primary can change: writes go to whichever
        // is primary now, lagging reads to a standby while there is one.
        _service = ServiceNode.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings:Ledger"] = ReplicatedPostgres.ConnectionString("primary", WritesName, _cluster.Primary, _cluster.Standby),
            ["ConnectionStrings:LedgerReadOnly"] = ReplicatedPostgres.ConnectionString("prefer-standby", ReadsName, _cluster.Standby, _cluster.Primary),
            ["Ledger:Auth:SigningKey"] = Convert.ToBase64String(_signingKey),
            ["Ledger:Subjects:HmacKey"] = Convert.ToBase64String(_hmacKey),
        }, _signingKey);
        await _service.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Party_copies_are_read_from_the_standby_and_a_promoted_standby_holds_every_acknowledged_write()
    {
        var person = await LinkPersonAsync();
        var before = await RecordInquiryAsync(person);
        (await WaitForListedAsync(person, before)).Should().Contain(before);
        (await ReplicatedPostgres.ApplicationNamesAsync(_cluster.Standby)).Should().Contain(ReadsName, "the listing's session ran on the standby")
            .And.NotContain(WritesName, "nothing writes to a standby");

        // While the standby replays nothing, a new inquiry is recorded (on the primary) and missing from the listing.
        await _cluster.PauseReplayAsync();
        var whilePaused = await RecordInquiryAsync(person);
        (await HistoryStatusAsync(whilePaused)).Should().Be(HttpStatusCode.OK, "the write is on the primary, which the history reads");
        (await ListedAsync(person)).Should().Contain(before).And.NotContain(whilePaused, "the listing reads the paused standby");
        await _cluster.ResumeReplayAsync();
        (await WaitForListedAsync(person, whilePaused)).Should().Contain(whilePaused);

        // The primary dies; the standby is promoted; the same service, unchanged, writes on it.
        await _cluster.CrashPrimaryAsync();
        await _cluster.PromoteStandbyAsync();
        var promoted = Stopwatch.StartNew();
        var after = await RecordInquiryWhenWritableAsync(person, TimeSpan.FromSeconds(60));
        log.WriteLine($"The ledger took writes again {promoted.Elapsed.TotalSeconds:0.0} s after the promotion.");

        var listed = await WaitForListedAsync(person, after);
        listed.Should().Contain([before, whilePaused, after], "every inquiry the ledger acknowledged survives the failover");
        (await HistoryStatusAsync(whilePaused)).Should().Be(HttpStatusCode.OK);
    }

    private async Task<LinkedPerson> LinkPersonAsync()
    {
        var person = new LinkedPerson(MyNumbers.Next(), Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), Institutions.Sapporo, "S-standby");
        foreach (var (code, record) in new[] { (person.InquirerCode, person.InquirerRecordId), (person.ProviderCode, person.ProviderRecordId) })
        {
            using var institution = _service.As(Roles.Institution, code);
            var response = await institution.PostJsonAsync(LinkageScenarios.Route, LinkageScenarios.LinkRequest(code, record, person.MyNumber));
            await response.ShouldBeAsync(HttpStatusCode.Created, "the linkage was expected to be recorded");
        }

        return person;
    }

    private async Task<string> RecordInquiryAsync(LinkedPerson person)
    {
        using var inquirer = _service.As(Roles.Institution, person.InquirerCode);
        var response = await inquirer.PostInquiryAsync(ExchangeScenarios.InquiryRequest(person));
        await response.ShouldBeAsync(HttpStatusCode.Created, "the inquiry was expected to be recorded");
        return (await response.ReadJsonAsync<ExchangeAnswer>()).ExchangeId;
    }

    /// <summary>Sends one inquiry again and again (the same body, so it is recorded once) until the ledger acknowledges it.</summary>
    private async Task<string> RecordInquiryWhenWritableAsync(LinkedPerson person, TimeSpan timeout)
    {
        using var inquirer = _service.As(Roles.Institution, person.InquirerCode);
        var request = ExchangeScenarios.InquiryRequest(person);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var response = await inquirer.PostInquiryAsync(request);
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                return (await response.ReadJsonAsync<ExchangeAnswer>()).ExchangeId;
            }

            response.IsSuccessStatusCode.Should().BeFalse();
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The ledger took no write within {timeout} of the promotion: {(int)response.StatusCode} " +
                                           $"{await response.Content.ReadAsStringAsync()}\n{_service.Output}");
            }

            await Task.Delay(250);
        }
    }

    private async Task<HttpStatusCode> HistoryStatusAsync(string exchangeId)
    {
        using var auditor = _service.As(Roles.Auditor);
        return (await auditor.GetAsync(ExchangeScenarios.HistoryRoute(exchangeId))).StatusCode;
    }

    /// <summary>The exchange ids in the inquirer's own copies.</summary>
    private async Task<IReadOnlyList<string>> ListedAsync(LinkedPerson person)
    {
        using var inquirer = _service.As(Roles.Institution, person.InquirerCode);
        var response = await inquirer.GetAsync($"/api/v1/parties/{person.InquirerCode}/records?role=inquirer&pageSize=500");
        await response.ShouldBeAsync(HttpStatusCode.OK, "the inquirer reads its copies");
        return (await response.ReadJsonAsync<CopyPage>()).Items.Select(i => i.ExchangeId).ToList();
    }

    private async Task<IReadOnlyList<string>> WaitForListedAsync(LinkedPerson person, string exchangeId)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var listed = await ListedAsync(person);
            if (listed.Contains(exchangeId) || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                return listed;
            }

            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    private sealed record CopyItem(string ExchangeId);

    private sealed record CopyPage(List<CopyItem> Items);
}
