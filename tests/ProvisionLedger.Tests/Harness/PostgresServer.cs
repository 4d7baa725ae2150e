using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using Testcontainers.PostgreSql;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// The one PostgreSQL server of a test run, found in this order: a connection string from the environment, a container
/// when a Docker engine answers, a throwaway cluster from the machine's own server binaries. Started on first use and
/// stopped when the run ends (<see cref="LedgerTestFramework"/>). Each test class gets its own database on it.
/// </summary>
public sealed class PostgresServer
{
    public const string ConnectionVariable = "LEDGER_TEST_CONNECTION";

    /// <summary>Parent folder of the throwaway cluster: it must be reachable by the OS user postgres, so not a 0700 temp folder.</summary>
    public const string ClusterRootVariable = "LEDGER_TEST_PG_ROOT";

    private const string DockerImage = "postgres:17-alpine";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly Func<Task> _stop;

    private PostgresServer(string adminConnectionString, string source, Func<Task> stop)
    {
        AdminConnectionString = adminConnectionString;
        Source = source;
        _stop = stop;
    }

    /// <summary>A connection string with the right to create databases.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Where this server came from, for the run's diagnostic output.</summary>
    public string Source { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>Creates an empty database with a unique name; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string hint)
    {
        var name = UniqueName(hint);
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Creates an empty database owned by a login of its own, and a runtime login that owns nothing, as production runs
    /// (ops/README.md): the service gets the runtime login as <c>ConnectionStrings:Ledger</c> and the owner as
    /// <c>ConnectionStrings:LedgerAdmin</c>. Roles are global to the server, so their names are the database's, unique.
    /// </summary>
    public async Task<LedgerDatabase> CreateLedgerDatabaseAsync(string hint)
    {
        var name = UniqueName(hint);
        var password = Guid.NewGuid().ToString("n");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand(
                $"create role \"{name}_own\" login password '{password}'; create role \"{name}_rt\" login password '{password}';", connection);
            await create.ExecuteNonQueryAsync();
            await using var database = new NpgsqlCommand($"create database \"{name}\" owner \"{name}_own\"", connection);
            await database.ExecuteNonQueryAsync();
        }

        var superuser = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name };
        return new LedgerDatabase(
            superuser.ConnectionString,
            new NpgsqlConnectionStringBuilder(superuser.ConnectionString) { Username = $"{name}_own", Password = password }.ConnectionString,
            new NpgsqlConnectionStringBuilder(superuser.ConnectionString) { Username = $"{name}_rt", Password = password }.ConnectionString);
    }

    /// <summary>Drops a database made by <see cref="CreateLedgerDatabaseAsync"/> and its two logins.</summary>
    public async Task DropLedgerDatabaseAsync(LedgerDatabase database)
    {
        foreach (var cs in new[] { database.Owner, database.Runtime })
        {
            using var pooled = new NpgsqlConnection(cs);
            NpgsqlConnection.ClearPool(pooled);
        }

        await DropDatabaseAsync(database.Superuser);
        var name = new NpgsqlConnectionStringBuilder(database.Superuser).Database;
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop role if exists \"{name}_rt\"; drop role if exists \"{name}_own\"", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Drops a test database. Throwaway servers vanish at the end of the run anyway; this keeps a shared server given
    /// by <see cref="ConnectionVariable"/> from filling up with test databases.
    /// </summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        // This fixture's own idle connections would otherwise linger in Npgsql's pool after the database is gone.
        using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database if exists \"{name}\" with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    internal static async Task StopSharedAsync()
    {
        if (Shared.IsValueCreated && Shared.Value.IsCompletedSuccessfully)
        {
            await Shared.Value.Result._stop();
        }
    }

    private static string UniqueName(string hint)
    {
        var safe = new string(hint.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        // PostgreSQL identifiers stop at 63 bytes.
        return $"t_{safe[..Math.Min(safe.Length, 40)]}_{Guid.NewGuid().ToString("n")[..12]}";
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(given))
        {
            given = Environment.GetEnvironmentVariable("ConnectionStrings__Ledger");
        }

        if (!string.IsNullOrWhiteSpace(given))
        {
            return Announce(new PostgresServer(given, $"the server in {ConnectionVariable} / ConnectionStrings__Ledger", () => Task.CompletedTask));
        }

        if (await DockerEngine.FindAsync() is { } docker)
        {
            var container = new PostgreSqlBuilder(DockerImage)
                .WithDockerEndpoint(docker)
                // Test data is thrown away: trade crash safety for speed, as the local cluster does.
                .WithCommand("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200")
                .Build();
            await container.StartAsync();
            return Announce(new PostgresServer(container.GetConnectionString(), $"a {DockerImage} container via {docker}",
                async () => await container.DisposeAsync()));
        }

        if (LocalPostgres.FindBinaries() is not null)
        {
            var root = Environment.GetEnvironmentVariable(ClusterRootVariable) is { Length: > 0 } r ? r : "/tmp";
            var folder = Path.Combine(root, $"provision-ledger-tests-{Guid.NewGuid().ToString("n")[..12]}");
            LocalPostgres cluster;
            try
            {
                cluster = await LocalPostgres.StartAsync(folder, durable: false);
            }
            catch
            {
                // A cluster that never started would otherwise leave its folder behind on every failed run.
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }

                throw;
            }

            return Announce(new PostgresServer(cluster.ConnectionString(), $"a throwaway cluster from local binaries in {folder}",
                async () =>
                {
                    await cluster.StopAsync();
                    Directory.Delete(folder, recursive: true);
                }));
        }

        throw new InvalidOperationException(
            "The tests need PostgreSQL and found none. Either set " + ConnectionVariable + " to a connection string of a server " +
            "where the user may create databases, or start a Docker engine, or install the server binaries " +
            "(Debian/Ubuntu: `apt-get install postgresql`; the tests run their own throwaway cluster from them).");
    }

    private static PostgresServer Announce(PostgresServer server)
    {
        LedgerTestFramework.Diagnostic($"PostgreSQL for this run: {server.Source}.");
        return server;
    }
}

/// <summary>A test database and its three logins: the server's superuser, the owner of the ledger's tables, the runtime login.</summary>
public sealed record LedgerDatabase(string Superuser, string Owner, string Runtime);
