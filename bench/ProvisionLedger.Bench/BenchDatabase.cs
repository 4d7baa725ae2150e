using System.Text;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Bench;

/// <summary>
/// The run's own PostgreSQL cluster (a throwaway folder under /tmp) and one database in it, shared by the service and by
/// every comparison, so all of them run with the same settings.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    public const string Name = "ledger_bench";

    /// <summary>
    /// Set on top of LocalPostgres's own (max_connections, shared_buffers, and fsync per durability): room for WAL so a
    /// checkpoint does not land in the middle of a short measurement, and statement statistics for the evidence.
    /// </summary>
    private static readonly string[] ExtraSettings =
    [
        "shared_preload_libraries = 'pg_stat_statements'",
        "max_wal_size = '16GB'",
        "checkpoint_timeout = '30min'",
    ];

    private readonly LocalPostgres _cluster;
    private readonly bool _keep;
    private readonly string _directory;

    private BenchDatabase(LocalPostgres cluster, NpgsqlDataSource data, string directory, bool keep)
    {
        _cluster = cluster;
        Data = data;
        _directory = directory;
        _keep = keep;
    }

    public NpgsqlDataSource Data { get; }

    public string ConnectionString => _cluster.ConnectionString(Name);

    public string PgData => _cluster.DataDirectory;

    public static async Task<BenchDatabase> StartAsync(string directory, bool durable, bool keep)
    {
        var cluster = await LocalPostgres.StartAsync(directory, null, durable);
        try
        {
            await using (var admin = new NpgsqlConnection(cluster.ConnectionString()))
            {
                await admin.OpenAsync();
                foreach (var setting in ExtraSettings)
                {
                    await using var alter = new NpgsqlCommand($"alter system set {setting}", admin);
                    await alter.ExecuteNonQueryAsync();
                }
            }

            // shared_preload_libraries needs a restart; LocalPostgres starts the existing cluster again as it was.
            await cluster.StopAsync();
            NpgsqlConnection.ClearAllPools();
            cluster = await LocalPostgres.StartAsync(directory, cluster.Port, durable);
            await EmbeddedLedger.EnsureDatabaseAsync(cluster.ConnectionString(), Name);
        }
        catch
        {
            await cluster.StopAsync();
            throw;
        }

        var data = NpgsqlDataSource.Create(cluster.ConnectionString(Name));
        await using (var create = data.CreateCommand("create extension if not exists pg_stat_statements"))
        {
            await create.ExecuteNonQueryAsync();
        }

        return new BenchDatabase(cluster, data, directory, keep);
    }

    /// <summary>Another database on the same cluster (created when missing), for work that must not touch the service's.</summary>
    public async Task<string> DatabaseAsync(string name)
    {
        await EmbeddedLedger.EnsureDatabaseAsync(_cluster.ConnectionString(), name);
        return _cluster.ConnectionString(name);
    }

    public async Task<string> SettingsAsync()
    {
        var text = new StringBuilder();
        foreach (var name in new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "shared_buffers", "max_wal_size", "max_connections" })
        {
            text.Append(name).Append('=').Append(await ScalarAsync<string>($"show {name}")).Append(' ');
        }

        return text.ToString().TrimEnd();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = Data.CreateCommand(sql);
        command.CommandTimeout = 0;
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = Data.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    public async Task<List<string[]>> RowsAsync(string sql)
    {
        var rows = new List<string[]>();
        await using var command = Data.CreateCommand(sql);
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }

            rows.Add(row);
        }

        return rows;
    }

    public async Task<string> ExplainAsync(string sql)
    {
        var lines = await RowsAsync($"explain (analyze, buffers, costs off) {sql}");
        return string.Join('\n', lines.Select(l => "    " + l[0]));
    }

    public async ValueTask DisposeAsync()
    {
        await Data.DisposeAsync();
        await _cluster.StopAsync();
        if (!_keep)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A folder left under /tmp is harmless; the figures are what matter.
            }
        }
    }
}
