using ProvisionLedger.Tests.Auditing;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.CommandLine;

/// <summary><c>rebuild</c>: an operator rebuilds the read models from the events, and is stopped while the service runs.</summary>
public sealed class CliRebuildTests : IAsyncLifetime
{
    private const string Linkages = "select count(*) from ledger.mt_doc_linkage";
    private const string Contents = "select coalesce(string_agg(id || ' ' || data::text, E'\\n' order by id), '') from ledger.mt_doc_linkage";
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(CliRebuildTests));
        await _ledger.AppendLinkagesAsync(9);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task Rebuild_gives_back_a_lost_read_model_from_the_events_and_leaves_the_events_alone()
    {
        var before = await _ledger.ScalarAsync<string>(Contents);
        (await _ledger.ScalarAsync<long>(Linkages)).Should().Be(9);
        var events = await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events");
        await _ledger.ExecuteAsync("truncate ledger.mt_doc_linkage");

        var run = await CliRun.InProcessAsync("rebuild", "--connection", _ledger.ConnectionString, "--page-size", "4");

        run.Exit.Should().Be(0, run.Error);
        run.Out.Should().StartWith($"rebuilt ").And.Contain($"from {events} event(s)");
        (await _ledger.ScalarAsync<string>(Contents)).Should().Be(before, "the documents are what the projections built when the events were appended");
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events")).Should().Be(events);
        (await _ledger.VerifyAsync()).Intact.Should().BeTrue();
    }

    [Fact]
    public async Task Rebuild_refuses_a_bad_page_size_and_a_database_without_the_ledger()
    {
        (await CliRun.InProcessAsync("rebuild", "--connection", _ledger.ConnectionString, "--page-size", "0"))
            .ShouldBeOneLineError("--page-size must be between 1 and 100000");
        var server = await PostgresServer.GetAsync();
        var empty = await server.CreateDatabaseAsync("cli-rebuild-no-ledger");
        try
        {
            (await CliRun.InProcessAsync("rebuild", "--connection", empty)).ShouldBeOneLineError("is --connection the ledger's database");
        }
        finally
        {
            await server.DropDatabaseAsync(empty);
        }
    }
}

/// <summary>While a service node is alive on the database, <c>rebuild</c> refuses and empties nothing.</summary>
public sealed class CliRebuildWhileServingTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task Rebuild_refuses_while_a_service_node_is_alive()
    {
        var person = await api.LinkPersonAsync();
        await using var connection = await api.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("select count(*) from ledger.mt_doc_linkage", connection);
        var linkages = (long)(await count.ExecuteScalarAsync())!;
        linkages.Should().BePositive();

        (await CliRun.InProcessAsync("rebuild", "--connection", api.ConnectionString)).ShouldBeOneLineError("stop the service before rebuilding");

        ((long)(await count.ExecuteScalarAsync())!).Should().Be(linkages, "nothing was emptied");
        person.Should().NotBeNull();
    }
}
