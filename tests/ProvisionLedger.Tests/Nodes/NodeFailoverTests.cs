using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Statistics;

namespace ProvisionLedger.Tests.Nodes;

/// <summary>
/// Two service nodes, separate processes with the same keys, on one database, with the production node settings
/// (<see cref="NodeSettings"/>): the usage statistics projection runs on one of them, and when that one is killed
/// with SIGKILL the other takes it over within 5 s and counts what is recorded afterwards.
/// </summary>
[Collection(ServiceProcesses.Name)]
public sealed class NodeFailoverTests(Xunit.Abstractions.ITestOutputHelper log) : IAsyncLifetime
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(5);

    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _hmacKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<ServiceNode> _nodes = [];
    private PostgresServer? _server;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        _connectionString = await _server.CreateDatabaseAsync(nameof(NodeFailoverTests));
    }

    [Fact]
    public async Task The_statistics_projection_runs_on_one_node_and_moves_to_the_survivor_within_5_s_of_a_kill_9()
    {
        // One after the other, as a rolling deploy starts them: the first one creates the schema, and serves while the
        // second starts.
        var first = await StartNodeAsync();
        var starting = StartNodeAsync();
        var person = await LinkPersonAsync(first);
        var second = await starting;
        var owner = await WaitForProjectionOwnerAsync(TimeSpan.FromSeconds(60), _ => true);
        var running = await first.NodeIdAsync == owner ? first : second;
        var survivor = running == first ? second : first;

        // Writes through both nodes; each inquiry counted once, whichever node took it.
        for (var i = 0; i < 3; i++)
        {
            await MakeInquiryAsync(first, person);
            await MakeInquiryAsync(second, person);
        }

        (await WaitForInquiriesCountedAsync(survivor, 6, TimeSpan.FromSeconds(30))).Should().Be(6);

        running.KillHard();
        var sinceKill = Stopwatch.StartNew();
        var takeover = WaitForProjectionOwnerAsync(TimeSpan.FromSeconds(30), id => id != owner);
        for (var i = 0; i < 4; i++)
        {
            await MakeInquiryAsync(survivor, person);
        }

        var newOwner = await takeover;
        var movedAfter = sinceKill.Elapsed;
        log.WriteLine($"The projection moved to the survivor {movedAfter.TotalSeconds:0.00} s after the kill.");

        newOwner.Should().Be(await survivor.NodeIdAsync, "the only live node takes the work over");
        movedAfter.Should().BeLessThan(Takeover, "the projection must move within 5 s of its node's death:\n{0}", survivor.Output);
        (await WaitForInquiriesCountedAsync(survivor, 10, TimeSpan.FromSeconds(30)))
            .Should().Be(10, "the survivor counts the inquiries recorded after the kill, each once");
    }

    private async Task<ServiceNode> StartNodeAsync()
    {
        var node = ServiceNode.Start(new Dictionary<string, string>
        {
            ["ConnectionStrings:Ledger"] = _connectionString,
            ["Ledger:Auth:SigningKey"] = Convert.ToBase64String(_signingKey),
            ["Ledger:Subjects:HmacKey"] = Convert.ToBase64String(_hmacKey),
        }, _signingKey);
        _nodes.Add(node);
        await node.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
        return node;
    }

    /// <summary>The node Wolverine has assigned the usage statistics projection to, once it satisfies <paramref name="wanted"/>.</summary>
    private async Task<Guid> WaitForProjectionOwnerAsync(TimeSpan timeout, Func<Guid, bool> wanted)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using (var connection = new NpgsqlConnection(_connectionString))
            {
                await connection.OpenAsync();
                await using var query = new NpgsqlCommand(
                    $"select node_id from {LedgerStore.Schema}.wolverine_node_assignments where id like 'event-subscriptions://%/usagestatisticsprojection/%'",
                    connection);
                if (await query.ExecuteScalarAsync() is Guid owner && wanted(owner))
                {
                    return owner;
                }
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The projection was not assigned as expected within {timeout}.\n" +
                                           string.Join("\n----\n", _nodes.Select(n => n.Output)));
            }

            await Task.Delay(100);
        }
    }

    private static async Task<long> WaitForInquiriesCountedAsync(ServiceNode node, long expected, TimeSpan timeout)
    {
        using var auditor = node.As(Roles.Auditor);
        var clock = Stopwatch.StartNew();
        long counted;
        do
        {
            var response = await auditor.GetAsync("/api/v1/statistics/usage");
            await response.ShouldBeAsync(HttpStatusCode.OK, "statistics are readable on every node");
            counted = (await response.ReadJsonAsync<UsageAnswer>()).Items.Sum(r => r.Inquiries);
            if (counted >= expected)
            {
                return counted;
            }

            await Task.Delay(200);
        }
        while (clock.Elapsed < timeout);

        return counted;
    }

    private static async Task<LinkedPerson> LinkPersonAsync(ServiceNode node)
    {
        var person = new LinkedPerson(MyNumbers.Next(), Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), Institutions.Sapporo, "S-node");
        foreach (var (code, record) in new[] { (person.InquirerCode, person.InquirerRecordId), (person.ProviderCode, person.ProviderRecordId) })
        {
            using var institution = node.As(Roles.Institution, code);
            var response = await institution.PostJsonAsync(LinkageScenarios.Route, LinkageScenarios.LinkRequest(code, record, person.MyNumber));
            await response.ShouldBeAsync(HttpStatusCode.Created, "the linkage was expected to be recorded");
        }

        return person;
    }

    private static async Task MakeInquiryAsync(ServiceNode node, LinkedPerson person)
    {
        using var inquirer = node.As(Roles.Institution, person.InquirerCode);
        var response = await inquirer.PostInquiryAsync(ExchangeScenarios.InquiryRequest(person));
        await response.ShouldBeAsync(HttpStatusCode.Created, "the inquiry was expected to be recorded");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_server is not null && _connectionString.Length > 0)
        {
            await _server.DropDatabaseAsync(_connectionString);
        }
    }
}
