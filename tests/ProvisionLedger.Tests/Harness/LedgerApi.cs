using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using Wolverine;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// The ledger service in memory, on a database of its own, with keys of its own. Use it as a class fixture
/// (<c>IClassFixture&lt;LedgerApi&gt;</c>), or derive from it and override <see cref="GivenAsync"/> for a given state
/// built through the API.
/// <para>
/// Parallelism: xunit runs test classes in parallel (up to one per processor) and the tests of one class one after
/// another. Every class gets a fresh database, so classes cannot see each other's writes; tests in a class share one,
/// which is what lets a test compare row counts before and after a request. The ceiling on parallel classes is the
/// server's connections: each host holds pools for Marten and Wolverine, and the throwaway cluster allows 200.
/// </para>
/// </summary>
public class LedgerApi : WebApplicationFactory<Program>, IAsyncLifetime
{
    private PostgresServer? _server;

    // The service's Main hands its arguments to the Critter Stack's command line; under WebApplicationFactory it must
    // start the host it is given whatever the arguments are.
    static LedgerApi() => JasperFx.CommandLine.JasperFxEnvironment.AutoStartHost = true;

    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    public byte[] SubjectHmacKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The key that seals this service's events (ECDSA P-256, PKCS#8 PEM).</summary>
    public string SealKeyPem { get; } = NewEcdsaKeyPem();

    public static string NewEcdsaKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>This fixture's own database, as the server's superuser: tests read and tamper through it.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The same database as the service's runtime login (<c>ConnectionStrings:Ledger</c>), and its owner login (<c>LedgerAdmin</c>).</summary>
    public LedgerDatabase Database { get; private set; } = new("", "", "");

    public CapturedLogs Logs { get; } = new();

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.GetAsync();
        Database = await _server.CreateLedgerDatabaseAsync(GetType().Name);
        ConnectionString = Database.Superuser;
        // Start now, so a host that cannot start fails the fixture with its own error rather than the first test.
        // StartServer rather than Server: the browser tests run this same fixture on Kestrel, where there is no TestServer.
        StartServer();
        await GivenAsync();
    }

    /// <summary>Builds the state a derived fixture's tests start from, through the API.</summary>
    protected virtual Task GivenAsync() => Task.CompletedTask;

    /// <summary>
    /// Handlers every client of this fixture sends through, e.g. to keep every answer for a later look. The first checks
    /// every answer against the served OpenAPI document (<see cref="ContractCheck"/>): derived fixtures add theirs after it.
    /// </summary>
    protected virtual DelegatingHandler[] ClientHandlers() => [new ContractCheck(ContractAsync)];

    private static readonly object ContractLock = new();
    private static Task<OpenApiContract>? _contract;

    /// <summary>The served OpenAPI document, fetched once per test run (it is the same for every fixture).</summary>
    public Task<OpenApiContract> ContractAsync()
    {
        lock (ContractLock)
        {
            return _contract ??= LoadContractAsync();
        }
    }

    /// <summary>The OpenAPI document as this service serves it.</summary>
    public async Task<string> OpenApiDocumentAsync()
    {
        using var client = CreateDefaultClient();
        using var response = await client.GetAsync("/openapi/v1.json");
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? text
            : throw new InvalidOperationException($"/openapi/v1.json answered {(int)response.StatusCode}: {text}\n{string.Join("\n", Logs.Lines.TakeLast(5))}");
    }

    private async Task<OpenApiContract> LoadContractAsync() => new(await OpenApiDocumentAsync());

    public string Token(string role, string? institutionCode = null) => Auth.MintToken(SigningKey, role, institutionCode, "test");

    /// <summary>A client holding a valid token for the role (and, for an institution, its code).</summary>
    public HttpClient As(string role, string? institutionCode = null) => WithToken(Token(role, institutionCode));

    public HttpClient Institution(string institutionCode) => As(Roles.Institution, institutionCode);

    public HttpClient Anonymous() => CreateDefaultClient(ClientHandlers());

    public HttpClient WithToken(string token)
    {
        var client = CreateDefaultClient(ClientHandlers());
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Rows in the event table: a rejected request must leave it as it was.</summary>
    public async Task<long> EventCountAsync()
    {
        await using var connection = await OpenAsync();
        // Marten's tombstones (fillers of sequence numbers a rolled-back write drew, e.g. the loser of a race) record nothing.
        await using var count = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.mt_events where stream_id <> 'mt_tombstone'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Every row of every table in this database, as text: events, documents, projections, and Wolverine's own tables.
    /// For proving that something (a My Number) is stored nowhere.
    /// </summary>
    public async Task<string> DatabaseTextAsync()
    {
        await using var connection = await OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
                         "select quote_ident(table_schema) || '.' || quote_ident(table_name) from information_schema.tables " +
                         "where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand($"select t::text from {table} t", connection);
            await using var reader = await rows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                text.Append(table).Append(' ').AppendLine(reader.GetString(0));
            }
        }

        return text.ToString();
    }

    /// <summary>Waits for asynchronous projections to catch up with the events; never sleep instead.</summary>
    public Task WaitForProjectionsAsync(TimeSpan? timeout = null) =>
        Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(Store, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>A connection to the database the service itself writes to.</summary>
    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not Development: that would load the developer's user secrets into the test host.
        builder.UseEnvironment("Testing");
        // Host settings: unlike ConfigureAppConfiguration they are visible to Program.cs before Build(), where the
        // service decides whether to start its embedded PostgreSQL.
        builder.UseSetting("ConnectionStrings:Ledger", Database.Runtime);
        builder.UseSetting("ConnectionStrings:LedgerAdmin", Database.Owner);
        builder.UseSetting("Ledger:Auth:SigningKey", Convert.ToBase64String(SigningKey));
        builder.UseSetting("Ledger:Subjects:HmacKey", Convert.ToBase64String(SubjectHmacKey));
        // Every write is sealed, as in production; AuditedLedgerApi adds a checkpoint key of its own.
        builder.UseSetting("Ledger:Audit:SealKeyPem", SealKeyPem);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(services =>
        {
            // One node per test database: no leader election to wait for before asynchronous projections run.
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        });
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null && ConnectionString.Length > 0)
        {
            await _server.DropLedgerDatabaseAsync(Database);
        }
    }
}
