using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ProvisionLedger.Api.Infrastructure;
using Wolverine;

namespace ProvisionLedger.Bench;

/// <summary>
/// The real service, in this process, on Kestrel at 127.0.0.1 (a real socket: requests pay for HTTP, JSON and JWT as a
/// client's would), on the run's own database, with keys made for the run.
/// </summary>
public sealed class LedgerHost(string connectionString) : WebApplicationFactory<Program>
{
    // The service's Main runs the Critter Stack's command line: under WebApplicationFactory it must start the host it is given.
    static LedgerHost() => JasperFx.CommandLine.JasperFxEnvironment.AutoStartHost = true;

    public byte[] SigningKey { get; } = RandomNumberGenerator.GetBytes(32);

    public byte[] SubjectHmacKey { get; } = RandomNumberGenerator.GetBytes(32);

    public int Port { get; } = FreePort();

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public IDocumentStore Store => Services.GetRequiredService<IDocumentStore>();

    public LedgerOptions LedgerOptions => Services.GetRequiredService<LedgerOptions>();

    public string Token(string role, string? institutionCode = null) => Auth.MintToken(SigningKey, role, institutionCode, "bench");

    public void Start()
    {
        UseKestrel(k => k.Listen(IPAddress.Loopback, Port));
        StartServer();
    }

    /// <summary>One client for all the run's requests: a pool of keep-alive connections, as a gateway in front would hold.</summary>
    public HttpClient Client()
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseCookies = false,
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Not Development: the service runs as deployed. Host settings, unlike ConfigureAppConfiguration, are visible to
        // Program.cs before Build(), where it decides whether to start its embedded PostgreSQL.
        builder.UseEnvironment("Production");
        builder.UseContentRoot(ContentRoot());
        builder.UseSetting("ConnectionStrings:Ledger", connectionString);
        builder.UseSetting("Ledger:Auth:SigningKey", Convert.ToBase64String(SigningKey));
        builder.UseSetting("Ledger:Subjects:HmacKey", Convert.ToBase64String(SubjectHmacKey));
        // Production refuses to start without a checkpoint key; it seals every event too, as deployed.
        using (var checkpointKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            builder.UseSetting("Ledger:Audit:SigningKeyPem", checkpointKey.ExportPkcs8PrivateKeyPem());
        }

        // The run is one client address and a handful of principals sending as fast as the service answers: the rate
        // limits (Ledger:RateLimits, sized for many clients) would measure themselves, not the service.
        foreach (var limit in new[] { "PerAddress", "PerPrincipal", "PortalSearch", "FailedAuthentication" })
        {
            builder.UseSetting($"Ledger:RateLimits:{limit}:PermitLimit", "100000000");
        }
        // Warnings only: the one request log line per request (ProvisionLedger.Requests, Information) and the startup
        // chatter would otherwise be measured with the service.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:ProvisionLedger", "Warning");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services =>
        {
            // One node: no leader election to wait for.
            services.RunWolverineInSoloMode();
            services.DisableAllExternalWolverineTransports();
        });
    }

    /// <summary>The service's project folder when run from the repository (its appsettings.json), else beside the build.</summary>
    private static string ContentRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var api = Path.Combine(dir.FullName, "src", "ProvisionLedger.Api");
            if (File.Exists(Path.Combine(api, "appsettings.json")))
            {
                return api;
            }
        }

        return AppContext.BaseDirectory;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
