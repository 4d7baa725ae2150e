using System.Diagnostics;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Nodes;

/// <summary>
/// A primary and a streaming standby of its own, from the machine's server binaries, never the run's shared server:
/// tests stop, pause and promote them. The standby is made as an operator makes one (<c>pg_basebackup -R</c> as a
/// replication role), and replication is synchronous (<c>synchronous_standby_names</c>), so a commit the ledger
/// acknowledged is on the standby before the answer leaves, as in a Patroni cluster with <c>synchronous_mode</c>.
/// </summary>
public sealed class ReplicatedPostgres : IAsyncDisposable
{
    public const string Database = "ledger";
    private const string ReplicationPassword = "replica";

    private readonly string[] _folders;
    private readonly string _bin;

    private ReplicatedPostgres(string[] folders, string bin, LocalPostgres primary, LocalPostgres standby)
    {
        _folders = folders;
        _bin = bin;
        Primary = primary;
        Standby = standby;
    }

    public LocalPostgres Primary { get; }

    public LocalPostgres Standby { get; }

    public static async Task<ReplicatedPostgres> StartAsync()
    {
        var bin = LocalPostgres.FindBinaries() ?? throw new InvalidOperationException(LocalPostgres.MissingBinariesMessage);
        var root = Environment.GetEnvironmentVariable(PostgresServer.ClusterRootVariable) is { Length: > 0 } r ? r : "/tmp";
        // Siblings of the run's own cluster folder (whose parent the OS user postgres can reach), where .ci/run's clean-up
        // finds them too.
        var name = $"provision-ledger-replicated-{Guid.NewGuid().ToString("n")[..12]}";
        var folders = new[] { Path.Combine(root, $"{name}-primary"), Path.Combine(root, $"{name}-standby") };
        LocalPostgres? primary = null;
        LocalPostgres? standby = null;
        try
        {
            primary = await LocalPostgres.StartAsync(folders[0]);
            await ExecuteAsync(primary.ConnectionString(),
                $"create role replicator with replication login password '{ReplicationPassword}'", $"create database {Database}");

            var standbyFolder = folders[1];
            Directory.CreateDirectory(standbyFolder);
            if (AsRoot)
            {
                await RunAsync("chown", ["postgres:postgres", standbyFolder], asPostgres: false);
            }

            await RunAsync(Path.Combine(bin, "pg_basebackup"),
                ["-h", "127.0.0.1", "-p", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "replicator",
                 "-D", Path.Combine(standbyFolder, "pgdata"), "-R", "-X", "stream", "--checkpoint=fast"],
                environment: new() { ["PGPASSWORD"] = ReplicationPassword });
            standby = await LocalPostgres.StartAsync(standbyFolder);
            var cluster = new ReplicatedPostgres(folders, bin, primary, standby);
            await cluster.WaitForStreamingAsync();

            // After the base backup, so the standby does not inherit it: promoted, it has no standby of its own to wait for.
            await ExecuteAsync(primary.ConnectionString(), "alter system set synchronous_standby_names = '*'", "select pg_reload_conf()");
            return cluster;
        }
        catch
        {
            foreach (var server in new[] { standby, primary }.OfType<LocalPostgres>())
            {
                await server.StopAsync();
            }

            foreach (var folder in folders.Where(Directory.Exists))
            {
                Directory.Delete(folder, recursive: true);
            }

            throw;
        }
    }

    /// <summary>A connection string for the ledger's database on one or more of the servers, in the order given.</summary>
    public static string ConnectionString(string targetSessionAttributes, string applicationName, params LocalPostgres[] servers) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = string.Join(',', servers.Select(s => $"127.0.0.1:{s.Port}")),
            Database = Database,
            Username = "postgres",
            Password = "ledger",
            TargetSessionAttributes = targetSessionAttributes,
            ApplicationName = applicationName,
            // How long Npgsql trusts what it learned of a host (up, down, primary, standby): short, so a promotion is seen soon.
            HostRecheckSeconds = 1,
        }.ConnectionString;

    /// <summary>Stops WAL replay on the standby: it keeps receiving the primary's commits but shows none of them.</summary>
    public Task PauseReplayAsync() => ExecuteAsync(Standby.ConnectionString(Database), "select pg_wal_replay_pause()");

    public Task ResumeReplayAsync() => ExecuteAsync(Standby.ConnectionString(Database), "select pg_wal_replay_resume()");

    /// <summary>The primary dies: <c>pg_ctl stop -m immediate</c>, no shutdown checkpoint, as in a crash.</summary>
    public Task CrashPrimaryAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Primary.DataDirectory, "-m", "immediate", "-w", "stop"]);

    /// <summary><c>pg_ctl promote</c>: the standby ends recovery and takes writes.</summary>
    public Task PromoteStandbyAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Standby.DataDirectory, "-w", "promote"]);

    /// <summary>Application names of the client connections a server holds to the ledger's database now.</summary>
    public static async Task<IReadOnlyList<string>> ApplicationNamesAsync(LocalPostgres server)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand($"select application_name from pg_stat_activity where datname = '{Database}'", connection);
        var names = new List<string>();
        await using var reader = await query.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Standby.DataDirectory, "-m", "immediate", "-w", "stop"], allowFailure: true);
        await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Primary.DataDirectory, "-m", "immediate", "-w", "stop"], allowFailure: true);
        NpgsqlConnection.ClearAllPools();
        foreach (var folder in _folders)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task WaitForStreamingAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await using var connection = new NpgsqlConnection(Primary.ConnectionString());
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("select count(*) from pg_stat_replication where state = 'streaming'", connection);
            if ((long)(await query.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The standby did not start streaming from the primary within 60 s.");
    }

    private static bool AsRoot => Environment.UserName == "root";

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private static async Task RunAsync(
        string file, IReadOnlyList<string> args, bool asPostgres = true, bool allowFailure = false, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && AsRoot)
        {
            // PostgreSQL's tools refuse root; the clusters belong to the OS user postgres.
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

        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"`{file} {string.Join(' ', args)}` failed with exit code {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
