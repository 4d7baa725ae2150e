using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// A PostgreSQL cluster run from the machine's own server binaries, in a folder this process owns.
/// Used by the service when no connection string is configured, and by the tests as their last resort.
/// PostgreSQL refuses to run as root, so as root the cluster runs as the OS user <c>postgres</c>.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private const string Password = "ledger";
    private readonly string _binDirectory;
    private readonly bool _asPostgresUser;

    private LocalPostgres(string binDirectory, string dataDirectory, int port, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        DataDirectory = dataDirectory;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Password={Password};Pooling=true;Maximum Pool Size=64";

    public static string? FindBinaries()
    {
        var candidates = new List<string>();
        var fromEnv = Environment.GetEnvironmentVariable("LEDGER_PG_BIN");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            candidates.Add(fromEnv);
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        candidates.AddRange(["/usr/local/pgsql/bin", "/usr/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin", "/usr/bin"]);
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    public static string MissingBinariesMessage =>
        "No PostgreSQL server binaries were found (initdb, pg_ctl). Install them (Debian/Ubuntu: `apt-get install postgresql`), " +
        "point LEDGER_PG_BIN at their folder, or set ConnectionStrings:Ledger (env ConnectionStrings__Ledger) to an existing PostgreSQL.";

    /// <summary>Starts (creating on first use) a cluster in <paramref name="dataDirectory"/>.</summary>
    public static async Task<LocalPostgres> StartAsync(string dataDirectory, int? preferredPort = null, bool durable = true, CancellationToken cancellation = default)
    {
        var bin = FindBinaries() ?? throw new InvalidOperationException(MissingBinariesMessage);
        var asRoot = Environment.UserName == "root";
        Directory.CreateDirectory(dataDirectory);
        var pgData = Path.Combine(dataDirectory, "pgdata");
        var port = preferredPort is { } p && PortIsFree(p) ? p : FreePort();
        var cluster = new LocalPostgres(bin, pgData, port, asRoot);

        if (asRoot)
        {
            await cluster.RunAsync("chown", ["-R", "postgres:postgres", dataDirectory], cancellation, plain: true);
            await cluster.RunAsync("chmod", ["0700", dataDirectory], cancellation, plain: true);
        }

        if (!File.Exists(Path.Combine(pgData, "PG_VERSION")))
        {
            var pwFile = Path.Combine(dataDirectory, "pwfile");
            await File.WriteAllTextAsync(pwFile, Password, cancellation);
            if (asRoot)
            {
                await cluster.RunAsync("chown", ["postgres:postgres", pwFile], cancellation, plain: true);
            }

            await cluster.RunAsync(Path.Combine(bin, "initdb"),
                ["-D", pgData, "-U", "postgres", "--pwfile", pwFile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"], cancellation);
            File.Delete(pwFile);
        }

        var settings = new List<string>
        {
            $"-p {port}", "-h 127.0.0.1", $"-k {dataDirectory}", "-c max_connections=200", "-c shared_buffers=256MB",
        };
        if (!durable)
        {
            // Throwaway test clusters trade crash safety for speed; the service's own cluster never does.
            settings.AddRange(["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        }

        var stale = Path.Combine(pgData, "postmaster.pid");
        if (File.Exists(stale))
        {
            await cluster.RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", pgData, "-m", "fast", "stop"], cancellation, allowFailure: true);
        }

        await cluster.RunAsync(Path.Combine(bin, "pg_ctl"),
            ["-D", pgData, "-l", Path.Combine(dataDirectory, "postgres.log"), "-w", "-t", "60", "-o", string.Join(' ', settings), "start"], cancellation);
        return cluster;
    }

    public async Task StopAsync()
    {
        await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], CancellationToken.None, allowFailure: true);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellation, bool plain = false, bool allowFailure = false)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_asPostgresUser && !plain)
        {
            info.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(a);
            }
        }
        else
        {
            info.FileName = file;
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException(
                $"`{file} {string.Join(' ', args)}` failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
