using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Auditing;
using ProvisionLedger.Tests.Harness;
using Wolverine;

namespace ProvisionLedger.Tests.Health;

/// <summary>
/// The service on a PostgreSQL cluster of its own, which these tests stop, start and make read-only: never the run's
/// shared server. Polls are bounded loops (the service has seconds to notice), not timings.
/// </summary>
public sealed class OwnClusterLedger : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _folder = Path.Combine(
        Environment.GetEnvironmentVariable(PostgresServer.ClusterRootVariable) is { Length: > 0 } root ? root : "/tmp",
        $"provision-ledger-outage-{Guid.NewGuid().ToString("n")[..12]}");

    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);

    static OwnClusterLedger() => JasperFx.CommandLine.JasperFxEnvironment.AutoStartHost = true;

    public LocalPostgres Cluster { get; private set; } = null!;

    public string ConnectionString => Cluster.ConnectionString("ledger");

    public async Task InitializeAsync()
    {
        Cluster = await LocalPostgres.StartAsync(_folder, durable: false);
        await EmbeddedLedger.EnsureDatabaseAsync(Cluster.ConnectionString(), "ledger");
        StartServer();
    }

    public HttpClient As(string role)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Auth.MintToken(_signingKey, role, null, "test"));
        return client;
    }

    public async Task StopClusterAsync() => await Cluster.StopAsync();

    public async Task StartClusterAsync() => Cluster = await LocalPostgres.StartAsync(_folder, Cluster.Port, durable: false);

    /// <summary>Turns the whole cluster read-only (as a demoted primary is), or back, without a restart.</summary>
    public async Task SetReadOnlyAsync(bool readOnly)
    {
        var admin = new NpgsqlConnectionStringBuilder(Cluster.ConnectionString()) { Pooling = false, Options = "-c default_transaction_read_only=off" };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        var statement = readOnly ? "alter system set default_transaction_read_only = on" : "alter system reset default_transaction_read_only";
        await using (var alter = new NpgsqlCommand(statement, connection))
        {
            await alter.ExecuteNonQueryAsync();
        }

        await using var reload = new NpgsqlCommand("select pg_reload_conf()", connection);
        await reload.ExecuteNonQueryAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Ledger", ConnectionString);
        builder.UseSetting("Ledger:Auth:SigningKey", Convert.ToBase64String(_signingKey));
        builder.UseSetting("Ledger:Subjects:HmacKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        builder.UseSetting("Ledger:Audit:SigningKeyPem", TestKeys.NewCheckpointKeyPem());
        builder.UseSetting("Ledger:Audit:CheckpointIntervalSeconds", "0");
        builder.ConfigureServices(services =>
        {
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Cluster.StopAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

public sealed class DatabaseOutageTests(OwnClusterLedger ledger) : IClassFixture<OwnClusterLedger>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_read_only_database_makes_the_service_unready_and_every_database_route_503_until_it_takes_writes_again()
    {
        await ReadyAsync(HttpStatusCode.OK);

        await ledger.SetReadOnlyAsync(true);
        try
        {
            await ReadyAsync(HttpStatusCode.ServiceUnavailable);
            await ApiRouteAnswersUnavailableAsync();
        }
        finally
        {
            await ledger.SetReadOnlyAsync(false);
        }

        await ReadyAsync(HttpStatusCode.OK);
        (await ledger.As(Roles.Nws).GetAsync("/api/v1/parties/nws/records")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_stopped_database_makes_the_service_unready_and_every_database_route_503_until_it_is_back()
    {
        await ReadyAsync(HttpStatusCode.OK);

        await ledger.StopClusterAsync();
        try
        {
            await ReadyAsync(HttpStatusCode.ServiceUnavailable);
            await ApiRouteAnswersUnavailableAsync();
            (await ledger.CreateClient().GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK, "the process still runs");
        }
        finally
        {
            await ledger.StartClusterAsync();
        }

        await ReadyAsync(HttpStatusCode.OK);
        (await ledger.As(Roles.Nws).GetAsync("/api/v1/parties/nws/records")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private async Task ApiRouteAnswersUnavailableAsync()
    {
        // Reading party copies records the read as an event: it needs a writable database.
        var response = await ledger.As(Roles.Nws).GetAsync("/api/v1/parties/nws/records");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        response.Headers.RetryAfter?.Delta.Should().BePositive();
    }

    /// <summary>Polls readiness until it answers <paramref name="expected"/>, for a bounded time; the last answer is checked.</summary>
    private async Task ReadyAsync(HttpStatusCode expected)
    {
        var client = ledger.CreateClient();
        var watch = Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await client.GetAsync("/health/ready")).StatusCode != expected && watch.Elapsed < Patience)
        {
            await Task.Delay(250);
        }

        response.StatusCode.Should().Be(expected, "readiness follows the database within {0}: {1}", Patience, await response.Content.ReadAsStringAsync());
        if (expected == HttpStatusCode.ServiceUnavailable)
        {
            response.Headers.RetryAfter?.Delta.Should().BePositive();
        }
    }
}
