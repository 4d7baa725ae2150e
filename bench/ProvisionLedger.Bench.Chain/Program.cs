using System.Diagnostics;
using System.Globalization;
using Marten;
using Npgsql;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Bundles;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Bench.Chain;

/// <summary>
/// Appending throughput with the audit chain trigger on and off, in the same run on the same cluster, and the cost of
/// verifying, checkpointing and proving over a large store. Usage:
/// <c>dotnet run -c Release --project bench/ProvisionLedger.Bench.Chain -- [--events 1000000] [--seconds 10] [--writers 1,8] [--durable]
/// [--connection "&lt;admin connection string&gt;" [--verify-only]]</c>.
/// <c>--export-memory</c> instead fills a store of <c>--events</c> events, signs a checkpoint and runs the command-line
/// tool's <c>export</c> of the whole store and <c>verify-bundle</c> of that bundle as child processes, printing their peak
/// resident memory.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var events = Option(args, "--events", 1_000_000);
        var seconds = Option(args, "--seconds", 10);
        var writers = (OptionText(args, "--writers") ?? "1,8").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        var durable = args.Contains("--durable");
        var given = OptionText(args, "--connection");
        var verifyOnly = args.Contains("--verify-only");
        var exportMemory = args.Contains("--export-memory");

        // An existing server (--connection, a role that may create databases) keeps its databases for inspection.
        var folder = Path.Combine("/tmp", $"provision-ledger-bench-{Guid.NewGuid().ToString("n")[..8]}");
        LocalPostgres? local = null;
        if (given is null)
        {
            Directory.CreateDirectory(folder);
            local = await LocalPostgres.StartAsync(Path.Combine(folder, "pg"), durable: durable);
        }

        var cluster = new Server(given ?? local!.ConnectionString());
        try
        {
            if (verifyOnly)
            {
                await LargeStoreAsync(cluster, 0);
                return 0;
            }

            if (exportMemory)
            {
                return await ExportMemory.RunAsync(cluster, events, folder);
            }

            Console.WriteLine($"# Audit chain benchmark ({Environment.ProcessorCount} cores, PostgreSQL {(durable ? "durable" : "fsync=off, synchronous_commit=off")})");
            Console.WriteLine();
            await using var off = await LedgerDatabase.CreateAsync(cluster, "chain_off", chained: false);
            await using var on = await LedgerDatabase.CreateAsync(cluster, "chain_on", chained: true);
            await off.AppendAsync(4, TimeSpan.FromSeconds(2));
            await on.AppendAsync(4, TimeSpan.FromSeconds(2));

            Console.WriteLine("## Appending through Marten (one SubjectLinked per session, inline projections)");
            Console.WriteLine();
            Console.WriteLine("| writers | chain | events/s (run 1) | events/s (run 2) |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var w in writers)
            {
                var results = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
                for (var round = 0; round < 2; round++)
                {
                    foreach (var db in round == 0 ? new[] { off, on } : [on, off])
                    {
                        results[db.Chained].Add(await db.AppendAsync(w, TimeSpan.FromSeconds(seconds)));
                    }
                }

                foreach (var chained in new[] { false, true })
                {
                    Console.WriteLine($"| {w} | {(chained ? "on" : "off")} | {results[chained][0]:0} | {results[chained][1]:0} |");
                }
            }

            var report = await on.Tables.VerifyAsync(on.DataSource);
            Console.WriteLine();
            Console.WriteLine($"Chain after the runs: {report.Summary()}");

            if (events > 0)
            {
                await LargeStoreAsync(cluster, events);
            }
        }
        finally
        {
            if (local is not null)
            {
                await local.StopAsync();
                Directory.Delete(folder, recursive: true);
            }
        }

        return 0;
    }

    private static async Task LargeStoreAsync(Server cluster, int events)
    {
        await using var db = await LedgerDatabase.CreateAsync(cluster, "chain_large", chained: true);
        var clock = Stopwatch.StartNew();
        if (events > 0)
        {
            await db.AppendAsync(1, TimeSpan.FromSeconds(1));
            Console.WriteLine();
            Console.WriteLine($"## A store of {events:N0} events");
            Console.WriteLine();

            await db.BulkInsertAsync(events);
            var bulk = clock.Elapsed;
            Console.WriteLine($"- bulk insert through SQL with the trigger chaining every row: {bulk.TotalSeconds:0.0} s ({events / bulk.TotalSeconds:0} events/s)");

            await using var vacuum = db.DataSource.CreateCommand("vacuum analyze");
            await vacuum.ExecuteNonQueryAsync();
        }

        clock.Restart();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var report = await db.Tables.VerifyAsync(db.DataSource);
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"- verify (recompute every digest and link in C#, all checks): {clock.Elapsed.TotalSeconds:0.0} s " +
                          $"({report.Links / clock.Elapsed.TotalSeconds:0} events/s; verifier CPU {cpu.TotalSeconds:0.0} s), {report.Summary()}");

        using var signer = new CheckpointSigner(CheckpointKey());
        clock.Restart();
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var head = await db.Tables.HeadAsync(connection);
        var frontier = new MerkleFrontier();
        foreach (var leaf in await db.Tables.LeavesAsync(connection, 0, head.Position))
        {
            frontier.Add(leaf);
        }

        var checkpoint = await db.Tables.InsertCheckpointAsync(connection, signer.Sign(head.Position, head.LastSeqId, head.Link, frontier.Root(), DateTimeOffset.UtcNow));
        Console.WriteLine($"- checkpoint (read {head.Position:N0} digests, Merkle root, sign): {clock.Elapsed.TotalSeconds:0.00} s");

        clock.Restart();
        var levels = new MerkleLevels(await db.Tables.LeavesAsync(connection, 0, checkpoint.Sequence));
        var path = levels.AuditPath(checkpoint.Sequence / 2);
        Console.WriteLine($"- inclusion proof for one event (read digests, build tree, cut path of {path.Count} hashes): {clock.Elapsed.TotalSeconds:0.00} s");

        clock.Restart();
        var blocks = await db.Tables.BlockHashesAsync(connection, checkpoint.Sequence);
        Console.WriteLine($"- cache the hashes of {blocks.Count:N0} full Merkle blocks (a checkpoint does this after signing): {clock.Elapsed.TotalSeconds:0.00} s");
        var proofTimes = new List<double>();
        foreach (var index in new[] { 0, checkpoint.Sequence / 3, checkpoint.Sequence / 2, checkpoint.Sequence - 1 })
        {
            clock.Restart();
            var cached = await db.Tables.BlockHashesAsync(connection, checkpoint.Sequence);
            var leaves = await db.Tables.LeavesAsync(connection, MerkleBlocks.LeafRangesFor(index, checkpoint.Sequence));
            var blockPath = new MerkleBlocks(checkpoint.Sequence, cached, leaves).AuditPath(index);
            proofTimes.Add(clock.Elapsed.TotalMilliseconds);
            if (!MerkleTree.VerifyInclusion(index, checkpoint.Sequence, leaves[index], blockPath, checkpoint.MerkleRoot))
            {
                throw new InvalidOperationException($"The path of leaf {index} from cached blocks does not verify.");
            }
        }

        Console.WriteLine($"- inclusion proof from the cached blocks (block hashes and two blocks of leaves), 4 events: " +
                          string.Join(", ", proofTimes.Select(t => $"{t:0.0} ms")) + " (each verified against the signed root)");

        clock.Restart();
        report = await db.Tables.VerifyAsync(db.DataSource, signer.PublicKeyPem);
        Console.WriteLine($"- verify again with the checkpoint: {clock.Elapsed.TotalSeconds:0.0} s, {report.Summary()}");

        clock.Restart();
        using var bundle = new MemoryStream();
        var export = await BundleExporter.ExportAsync(db.DataSource, db.Tables, new BundleSelection(1000, 1999, null), bundle, TimeProvider.System);
        bundle.Position = 0;
        var verified = await BundleVerifier.VerifyAsync(bundle);
        Console.WriteLine($"- export and verify a bundle of {export.Exported:N0} events: {clock.Elapsed.TotalSeconds:0.00} s, {verified.Summary()}");
    }

    private static string CheckpointKey()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static int Option(string[] args, string name, int fallback) =>
        OptionText(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? OptionText(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

/// <summary>One ledger database on the benchmark cluster, with or without the audit chain.</summary>
public sealed class LedgerDatabase : IAsyncDisposable
{
    private LedgerDatabase(DocumentStore store, NpgsqlDataSource dataSource, bool chained)
    {
        Store = store;
        DataSource = dataSource;
        Chained = chained;
    }

    public DocumentStore Store { get; }

    public NpgsqlDataSource DataSource { get; }

    public bool Chained { get; }

    public AuditDatabase Tables { get; } = new(LedgerStore.Schema);

    public static async Task<LedgerDatabase> CreateAsync(Server cluster, string name, bool chained)
    {
        await EmbeddedLedger.EnsureDatabaseAsync(cluster.AdminConnectionString, name);
        var connectionString = cluster.ConnectionString(name);
        var store = DocumentStore.For(o => LedgerFeatures.ConfigureStore(o, connectionString));
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        if (chained)
        {
            await AuditSchema.ApplyAsync(dataSource, LedgerStore.Schema);
        }

        return new LedgerDatabase(store, dataSource, chained);
    }

    /// <summary>Appends new linkage streams from <paramref name="writers"/> parallel loops for <paramref name="duration"/>; events per second.</summary>
    public async Task<double> AppendAsync(int writers, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (clock.Elapsed < duration)
            {
                await using var session = Store.LightweightSession();
                session.LastModifiedBy = $"institution:131016:bench-{w}";
                session.CorrelationId = Guid.NewGuid().ToString("n");
                session.SetHeader("role", "institution");
                session.SetHeader("inst", "131016");
                var key = LinkageKeys.Stream("131016", $"B-{Guid.NewGuid().ToString("n")[..12]}");
                session.Events.StartStream(key, Linked(key));
                await session.SaveChangesAsync();
                n++;
            }

            return n;
        })));
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Copies the shape of a real SubjectLinked row <paramref name="events"/> times (five events per stream), 100,000 rows
    /// per transaction, each row chained by the trigger at commit.
    /// </summary>
    public async Task BulkInsertAsync(int events)
    {
        const int batch = 100_000;
        for (var start = 0; start < events; start += batch)
        {
            var size = Math.Min(batch, events - start);
            await using var command = DataSource.CreateCommand($$"""
                with template as (select data, type, mt_dotnet_type from ledger.mt_events order by seq_id limit 1)
                , streams as (
                    insert into ledger.mt_streams (id, type, version, timestamp, created, tenant_id)
                    select 'bulk:' || s, null, 5, now(), now(), '*DEFAULT*'
                    from generate_series({{start / 5}}, {{(start + size) / 5 - 1}}) s
                    returning id)
                insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type,
                                              correlation_id, headers, user_name)
                select nextval('ledger.mt_events_sequence'), gen_random_uuid(), 'bulk:' || s, v,
                       t.data || jsonb_build_object('streamKey', 'bulk:' || s, 'localRecordId', 'L-' || s || '-' || v),
                       t.type, now(), '*DEFAULT*', t.mt_dotnet_type, md5(s::text || v::text),
                       '{"role": "institution", "inst": "131016"}'::jsonb, 'institution:131016:bulk'
                from template t, generate_series({{start / 5}}, {{(start + size) / 5 - 1}}) s, generate_series(1, 5) v
                order by s, v
                """);
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync();
        }
    }

    private static SubjectLinked Linked(string key) => new(
        key, LinkageKeys.LinkageId(key, 1), "131016", key.Split(':')[^1], Guid.NewGuid().ToString("n"), Guid.NewGuid().ToString("n"),
        LinkageMethods.JlisFourItems, new LinkageEvidence(["kanjiName", "dateOfBirth", "sex", "address"], 1, []), "staff-17", ["staff-22"],
        "chief-3", "児童手当 認定請求", null, Guid.NewGuid().ToString("n"), DateTimeOffset.Parse("2025-04-01T10:00:00+09:00", CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

/// <summary>A PostgreSQL server the benchmark may create databases on.</summary>
public sealed record Server(string AdminConnectionString)
{
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, MaxPoolSize = 64 }.ConnectionString;
}
