using System.Diagnostics;
using System.Globalization;
using JasperFx.Events.Daemon;
using Marten;
using Npgsql;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Bench;

/// <summary>
/// Projection rebuild (issue 13): every projection of the ledger (the inline ones and the usage statistics) rebuilt from
/// the events, by Marten's default rebuild and by the ledger's own, on the same events. The events are the first
/// <c>--rebuild-events</c> of the service's store, copied (binary COPY, every column) into a database of their own with
/// the ledger's schema, so that neither rebuild races the running service or its asynchronous daemon.
/// </summary>
public static class Rebuilds
{
    public const string DatabaseName = "ledger_rebuild";

    /// <summary>
    /// The ledger's own rebuild (<see cref="ReadModelRebuild"/>: every read model from one pass over the events, set-based
    /// writes per page), measured beside Marten's. It runs on a store whose read models Marten has just rebuilt, and must
    /// leave the same documents (checked).
    /// </summary>
    public static readonly Func<IDocumentStore, CancellationToken, Task>? LedgerRebuild =
        async (store, ct) => await ReadModelRebuild.RunAsync(store, owner: null, ct: ct);

    public static async Task<RebuildFigures> MeasureAsync(BenchDatabase database, int events)
    {
        Console.WriteLine();
        Console.WriteLine($"Projection rebuild: every projection from the first {events:N0} events, Marten's default and the ledger's own   [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
        var connection = await database.DatabaseAsync(DatabaseName);
        await using var store = DocumentStore.For(opts => LedgerFeatures.ConfigureStore(opts, connection));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var target = NpgsqlDataSource.Create(connection);
        var copied = Stopwatch.StartNew();
        var (count, lastSeq) = await CopyEventsAsync(database, target, events);
        Console.WriteLine($"  {count:N0} events (seq_id ≤ {lastSeq:N0}) and their streams copied into database {DatabaseName} in {copied.Elapsed.TotalSeconds:F1} s");

        var projections = store.Options.Projections.All.Select(p => p.Name).ToList();
        Console.WriteLine($"  projections: {string.Join(", ", projections)}");
        var cpu = Load.Meter?.Take();
        var clock = Stopwatch.StartNew();
        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            foreach (var name in projections)
            {
                var one = Stopwatch.StartNew();
                await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(60), CancellationToken.None);
                Console.WriteLine($"    {name,-32} {one.Elapsed.TotalSeconds,7:F1} s");
            }
        }

        var marten = clock.Elapsed;
        var documents = await DocumentCountsAsync(target);
        Console.WriteLine($"  Marten's default rebuild (IProjectionDaemon.RebuildProjectionAsync, one projection after another): {marten.TotalSeconds:F1} s = " +
                          $"{count / marten.TotalSeconds:N0} events/s{(cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())})")}");
        Console.WriteLine($"    documents: {string.Join(", ", documents.Select(d => $"{d.Key} {d.Value:N0}"))}");

        TimeSpan? ledger = null;
        if (LedgerRebuild is { } rebuild)
        {
            cpu = Load.Meter?.Take();
            clock.Restart();
            await rebuild(store, CancellationToken.None);
            ledger = clock.Elapsed;
            var after = await DocumentCountsAsync(target);
            var same = after.Count == documents.Count && after.All(d => documents.GetValueOrDefault(d.Key) == d.Value);
            Console.WriteLine($"  the ledger's own rebuild: {ledger.Value.TotalSeconds:F1} s = {count / ledger.Value.TotalSeconds:N0} events/s " +
                              $"({marten / ledger.Value:F2} × Marten's){(cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())})")}; " +
                              $"documents {(same ? "the same counts as Marten's" : "DIFFER: " + string.Join(", ", after.Select(d => $"{d.Key} {d.Value:N0}")))}");
        }
        else
        {
            Console.WriteLine("  the ledger's own rebuild: none in this build (its `projections --rebuild` command runs Marten's rebuild, measured above)");
        }

        await using (var drop = new NpgsqlCommand($"drop schema {LedgerStore.Schema} cascade", await target.OpenConnectionAsync()))
        {
            // The copy is not needed any more: give its disk back before the store grows.
            await drop.ExecuteNonQueryAsync();
        }

        return new RebuildFigures(count, marten, ledger);
    }

    /// <summary>Binary COPY of the streams of the first events, then of those events (every column).</summary>
    private static async Task<(long Count, long LastSeq)> CopyEventsAsync(BenchDatabase database, NpgsqlDataSource target, int events)
    {
        var s = LedgerStore.Schema;
        var lastSeq = await database.ScalarAsync<long>(
            $"select coalesce(max(seq_id), 0) from (select seq_id from {s}.mt_events order by seq_id limit {events}) x");
        foreach (var (table, filter) in new[]
                 {
                     // The streams first: each event's stream must be there (foreign key).
                     ("mt_streams", $"exists (select 1 from {s}.mt_events e where e.stream_id = t.id and e.seq_id <= {lastSeq})"),
                     ("mt_events", $"seq_id <= {lastSeq}"),
                 })
        {
            var columns = string.Join(", ", (await database.RowsAsync(
                    $"select quote_ident(column_name) from information_schema.columns where table_schema = '{s}' and table_name = '{table}' order by ordinal_position"))
                .Select(r => r[0]));
            await using var from = await database.Data.OpenConnectionAsync();
            await using var to = await target.OpenConnectionAsync();
            await using var reader = await from.BeginRawBinaryCopyAsync($"copy (select {columns} from {s}.{table} t where {filter}) to stdout (format binary)");
            await using var writer = await to.BeginRawBinaryCopyAsync($"copy {s}.{table} ({columns}) from stdin (format binary)");
            await reader.CopyToAsync(writer);
        }

        await using (var connection = await target.OpenConnectionAsync())
        await using (var sequence = new NpgsqlCommand(
                         $"select setval('{s}.mt_events_sequence', {Math.Max(1, lastSeq)}); " +
                         $"insert into {s}.mt_event_progression (name, last_seq_id) values ('HighWaterMark', {lastSeq}) " +
                         "on conflict (name) do update set last_seq_id = excluded.last_seq_id; analyze", connection))
        {
            await sequence.ExecuteNonQueryAsync();
        }

        await using var count = target.CreateCommand($"select count(*) from {s}.mt_events");
        return ((long)(await count.ExecuteScalarAsync())!, lastSeq);
    }

    private static async Task<SortedDictionary<string, long>> DocumentCountsAsync(NpgsqlDataSource target)
    {
        var tables = new List<string>();
        await using (var list = target.CreateCommand(
                         $"select table_name from information_schema.tables where table_schema = '{LedgerStore.Schema}' and table_name like 'mt_doc_%' order by 1"))
        await using (var r = await list.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                tables.Add(r.GetString(0));
            }
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var count = target.CreateCommand($"select count(*) from {LedgerStore.Schema}.{table}");
            var n = (long)(await count.ExecuteScalarAsync())!;
            if (n > 0)
            {
                counts[table["mt_doc_".Length..]] = n;
            }
        }

        return counts;
    }
}

/// <param name="Events">Events rebuilt from.</param>
/// <param name="Marten">Marten's default rebuild of every projection.</param>
/// <param name="Ledger">The ledger's own rebuild; null while it has none.</param>
public sealed record RebuildFigures(long Events, TimeSpan Marten, TimeSpan? Ledger)
{
    public double MartenPerSecond => Events / Marten.TotalSeconds;

    public double? LedgerPerSecond => Ledger is { } l ? Events / l.TotalSeconds : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Events:N0} events");
}
