using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal.Searching;
using ProvisionLedger.Api.ReferenceData;

namespace ProvisionLedger.Bench;

/// <summary>
/// One run: the service in process on its own PostgreSQL; the write path against plain Marten and raw COPY of the same
/// events; then a big store and the read latencies on it. Everything printed goes to stdout (bench/run.sh keeps a copy).
/// </summary>
public static class BenchMain
{
    private const int HotPerson = 999_999;
    private const int PreloadBase = 1_000_000;

    public static async Task<int> Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        BenchOptions o;
        try
        {
            o = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        var total = Stopwatch.StartNew();
        Console.WriteLine($"ProvisionLedger benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}{(o.Quick ? " (QUICK smoke run: not the README figures)" : "")}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB, " +
                          $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, server GC {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"options: {o}");

        await using var database = await BenchDatabase.StartAsync(o.DataDirectory, o.Durable, o.Keep);
        Load.Meter = new CpuMeter(database.PgData);
        Console.WriteLine($"postgres: {await database.SettingsAsync()}");
        Console.WriteLine($"          (one cluster and one database for the service and every comparison; data in {o.DataDirectory})");

        await using var host = new LedgerHost(database.ConnectionString);
        var started = Stopwatch.StartNew();
        host.Start();
        Console.WriteLine($"service: in process on Kestrel at {host.BaseAddress} (started in {started.Elapsed.TotalSeconds:F1} s)");
        using var client = host.Client();
        var codes = host.Services.GetRequiredService<CodeRegistry>();
        var population = new Population(codes, host.LedgerOptions) { AlwaysVisiblePerson = HotPerson };
        var http = new HttpPhases(host, client, population);
        var report = new Report { Clients = o.Clients };
        if (o.IncidentsOnly)
        {
            return await IncidentsOnlyAsync(o, host, client, database);
        }

        // 1. The HTTP write path, every projection on, at each client count.
        Heading("1. HTTP write path (single routes), all inline projections on");
        var (linked, linkLatency) = await http.LinkAsync(0, o.HttpPersons, o.Clients);
        Load.Print(linked, linkLatency);
        int HttpPerson(int i) => (int)(new Mix(7, i).NextULong() % (ulong)o.HttpPersons);
        Load.Print((await http.IngestAsync("W", o.Warmup, o.Clients, HttpPerson)).Item1 with { Name = "warm-up (not counted)" });
        var clientCounts = o.ClientsList.Append(o.Clients).Distinct().Order().ToArray();
        int ExchangesFor(int clients) => clients >= o.Clients ? o.HttpExchanges : Math.Max(100, o.HttpExchanges * clients / o.Clients);
        foreach (var clients in clientCounts)
        {
            Console.WriteLine($"  {Clients(clients)}:");
            await database.ExecuteAsync("select pg_stat_statements_reset()");
            var lag = ChainLag.Start(database, host);
            var commitsBefore = host.Services.GetRequiredService<GroupCommit>().Counts;
            var (ingest, ingestLatency) = await http.IngestAsync($"H{clients}", ExchangesFor(clients), clients, HttpPerson);
            var commitsAfter = host.Services.GetRequiredService<GroupCommit>().Counts;
            var lagFigures = await lag.StopAsync();
            Load.Print(ingest with { Name = $"HTTP exchanges (inquiry + provision), {Clients(clients)}" }, ingestLatency);
            Console.WriteLine("    " + lagFigures);
            var (commits, writes) = (commitsAfter.Commits - commitsBefore.Commits, commitsAfter.Writes - commitsBefore.Writes);
            Console.WriteLine($"    group commit: {writes:N0} writes in {commits:N0} commits ({(commits == 0 ? 0 : (double)writes / commits):F1} writes per commit)");
            report.SingleRoutes[clients] = (ingest, ingestLatency.Of(Latencies.AllKinds));
            if (clients == o.Clients)
            {
                await StatementsAsync(database, ingest.Units);
                report.Ingest = ingest;
                report.IngestLatency = ingestLatency.Of(Latencies.AllKinds);
                report.ChainLag = lagFigures;
            }
        }

        // 2. Beside it: the same events without the service.
        Heading("2. The same events without the service (same cluster, same settings)");
        await using var baselines = new Baselines(database, population);
        await baselines.PrepareAsync();
        Load.Print((await baselines.OneEventPerTransactionAsync("W", o.Warmup, o.Clients, HttpPerson)).Item1 with { Name = "warm-up (not counted)" });
        foreach (var clients in clientCounts)
        {
            var (plainOne, plainOneLatency) = await baselines.OneEventPerTransactionAsync($"H{clients}", ExchangesFor(clients), clients, HttpPerson);
            Load.Print(plainOne with { Name = $"plain Marten, 1 event/tx, {Clients(clients)}" }, plainOneLatency);
            report.Plain[clients] = (plainOne, plainOneLatency.Of(Latencies.AllKinds));
            if (clients == o.Clients)
            {
                report.PlainOne = plainOne;
            }
        }

        report.PrintSingleRoutes();
        if (o.SingleRoutesOnly)
        {
            Console.WriteLine($"--single-routes-only: the other phases not run ({total.Elapsed.TotalMinutes:F1} min).");
            return 0;
        }

        report.HasBulk = await http.HasBulkPathAsync();
        if (report.HasBulk)
        {
            Load.Print((await http.BulkAsync("warm-up (not counted)", "WK", (o.Quick ? 1 : 2) * o.BatchSize, o.BatchSize, o.Clients, HttpPerson)).Item1);
            await database.ExecuteAsync("select pg_stat_statements_reset()");
            var (bulk, bulkLatency) = await http.BulkAsync(
                $"HTTP bulk path (POST /api/v1/exchanges/batch, {o.BatchSize} per call)", "K", o.BatchExchanges, o.BatchSize, o.Clients, HttpPerson);
            Load.Print(bulk, bulkLatency);
            await StatementsAsync(database, o.BatchExchanges);
            report.Bulk = bulk;
            report.BulkCall = bulkLatency.All()[0];
        }
        else
        {
            Console.WriteLine("  HTTP bulk path: NOT MEASURED: this build has no POST /api/v1/exchanges/batch.");
        }

        if (report.HasBulk && o.FileLines > 0)
        {
            // 一括照会: the same kind of inquiries (no provisions) as files and as JSON batches, each inquirer sending its own.
            var files = new InquiryFiles(client, http, population, codes);
            report.BulkInquiries = await files.JsonAsync("J", o.FileLines, o.BatchSize, o.Clients, HttpPerson);
            Load.Print(report.BulkInquiries);
            report.FileImport = await files.FilesAsync("F", o.FileLines, o.LinesPerFile, o.Clients, HttpPerson);
            Load.Print(report.FileImport);
        }

        var (plainBatch, plainBatchLatency) = await baselines.BatchAsync("K", o.BatchExchanges, o.BatchSize, o.Clients, HttpPerson);
        Load.Print(plainBatch, plainBatchLatency);
        report.PlainBatch = plainBatch;
        var (copy, copyLatency) = await baselines.CopyAsync("K", o.BatchExchanges, o.BatchSize, o.Clients, HttpPerson);
        Load.Print(copy, copyLatency);
        report.Copy = copy;
        report.PrintWrites();

        // 3. The store grows in stages; at each, the write rate that filled it and the read paths on it.
        Heading($"3. The store in stages of {string.Join(", ", o.Sizes.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))} exchange records, " +
                $"preloaded through {(o.PreloadVia == "bulk" && report.HasBulk ? "the bulk path over HTTP" : "in-process sessions")}; read latency over HTTP at each");
        await http.LinkAsync(HotPerson, 1, 1);
        var preload = new Preload(host, population);
        Load.Print(await preload.LinkAsync(PreloadBase, o.PreloadPersons, 3000, o.PreloadTasks));
        int PreloadPerson(int i) => i < o.HotSubjectRecords ? HotPerson : PreloadBase + (int)(new Mix(11, i).NextULong() % (ulong)o.PreloadPersons);
        string? institution = null;
        var previous = 0;
        for (var k = 0; k < o.Sizes.Length; k++)
        {
            var size = o.Sizes[k];
            if (report.Stages.LastOrDefault() is { } before)
            {
                // The store grows by what each exchange took so far; with WAL (max_wal_size) on top. Stop rather than fill the disk.
                var needed = ((size - previous) * before.BytesPerExchange) + (16L << 30);
                var free = new DriveInfo(Path.GetFullPath(o.DataDirectory)).AvailableFreeSpace;
                if (needed > free)
                {
                    Console.WriteLine();
                    Console.WriteLine($"Stage {k + 1} ({size:N0} records) NOT RUN: it needs about {needed / 1e9:F0} GB at {before.BytesPerExchange:N0} B per exchange " +
                                      $"plus 16 GB of WAL, and {free / 1e9:F0} GB are free where the cluster lives ({o.DataDirectory}; --data-dir elsewhere).");
                    break;
                }
            }

            var stageClock = Stopwatch.StartNew();
            Heading($"3.{k + 1}. Stage {k + 1} of {o.Sizes.Length}: {previous:N0} → {size:N0} exchange records preloaded (started {DateTimeOffset.UtcNow:HH:mm:ss} UTC)");
            var stage = new StageFigures { Size = size };
            var lag = ChainLag.Start(database, host);
            if (o.PreloadVia == "bulk" && report.HasBulk)
            {
                var batches = (size - previous + o.BatchSize - 1) / o.BatchSize;
                var (filled, callLatency) = await http.BulkAsync($"preload exchanges (bulk path over HTTP, {o.BatchSize} per call, {o.PreloadTasks} clients)", "Q",
                    previous, size - previous, o.BatchSize, o.PreloadTasks, PreloadPerson, batch => Preload.Progress(batch, batches));
                Load.Print(filled, callLatency);
                var corrections = await preload.CorrectionsInProcessAsync("Q", previous, size - previous, o.BatchSize, o.PreloadTasks, PreloadPerson);
                Load.Print(corrections);
                stage.Preload = filled;
                stage.Corrections = corrections;
            }
            else
            {
                stage.Preload = await preload.ExchangesInProcessAsync("Q", previous, size - previous, o.BatchSize, o.PreloadTasks, PreloadPerson);
                Load.Print(stage.Preload);
            }

            stage.PreloadChain = await lag.StopAsync();
            Console.WriteLine("    " + stage.PreloadChain);
            previous = size;

            // Statistics for the planner, as autovacuum would gather them in time; no VACUUM, which would take minutes here.
            var analyze = Stopwatch.StartNew();
            await database.ExecuteAsync("analyze");
            Console.WriteLine($"  analyze: {analyze.Elapsed.TotalSeconds:F0} s");
            (stage.Records, stage.Events, stage.DatabaseBytes, stage.BytesPerExchange) = await StorageAsync(database);

            var reads = Load.Meter.Take();
            if (k == 0)
            {
                Console.WriteLine($"  hot subject: its Mynaportal view shows {await http.PortalTotalAsync(HotPerson)} records (all pages)");
            }

            var (portal, items) = await http.PortalSearchAsync(HotPerson, o.PortalCalls, Math.Min(200, o.PortalCalls / 2));
            Console.WriteLine($"  Mynaportal search, first page of {items} for the hot subject, 1 client, {o.PortalCalls} calls after warm-up:");
            Console.WriteLine("    " + portal);
            Load.PrintStatuses();
            stage.Portal = portal;

            institution ??= (await database.RowsAsync(
                $"select inquirer_code from {LedgerStore.Schema}.mt_doc_inquirerrecord group by 1 order by count(*) desc limit 1"))[0][0];
            var listings = new (string Name, string Path, string Token)[]
            {
                ($"institution {institution} as inquirer", $"/api/v1/parties/{institution}/records?role=inquirer&", http.InstitutionToken(institution)),
                ($"institution {institution} as provider", $"/api/v1/parties/{institution}/records?role=provider&", http.InstitutionToken(institution)),
                ("NWS", "/api/v1/parties/nws/records?", http.NwsToken),
            };
            Console.WriteLine($"  party copies, pages of 50, 1 client, {o.PageCalls} calls each after warm-up (half walk the cursor from the oldest, half start at a random 'from'):");
            var pooled = new Latencies();
            foreach (var (name, path, token) in listings)
            {
                var (first, next) = await http.PagesAsync(path, token, o.PageCalls, Math.Min(100, o.PageCalls / 2), pooled);
                Console.WriteLine($"    {name}:");
                Console.WriteLine("      " + first);
                Console.WriteLine("      " + next);
                Load.PrintStatuses("      ");
                stage.Pages.Add((name, first, next));
            }

            stage.PartyPage = pooled.Of("party page");
            Console.WriteLine("    all listings: " + stage.PartyPage);
            Console.WriteLine($"  (reads: {CpuMeter.Describe(reads, Load.Meter.Take())})");
            stage.Incident = await Attempt("incident", () => IncidentTraceBenchmark.MeasureAsync(host, client, database, o.TraceRecords, o.Quick ? 10 : 30, incident: k + 1));
            if (k == 0)
            {
                // Once, on the first stage (so that a run cut short still has them): verify, the rebuilds, the large incident
                // (last: its confirmation of 100,000 records in one request may outlast the client's 5-minute timeout).
                // A failure of one is printed and the run goes on.
                report.Verify = await Attempt("verify", () => VerifyBenchmark.MeasureAsync(database));
                report.Rebuild = await Attempt("projection rebuild", () => Rebuilds.MeasureAsync(database, o.RebuildEvents));
                report.LargeIncident = await Attempt("large incident", () =>
                    IncidentTraceBenchmark.MeasureAsync(host, client, database, o.LargeTraceRecords, o.Quick ? 5 : 10, incident: 99));
            }

            stage.Duration = stageClock.Elapsed;
            report.Stages.Add(stage);
            Console.WriteLine();
            Console.WriteLine($"Stage {k + 1} done at {DateTimeOffset.UtcNow:HH:mm:ss} UTC in {stage.Duration.TotalMinutes:F1} min (run so far {total.Elapsed.TotalMinutes:F1} min):");
            report.PrintStages();
        }

        await ExplainAsync(database, population, institution!);
        report.PrintAll();
        Console.WriteLine($"HTTP over the whole run, {Load.WholeRunStatuses()}");
        Console.WriteLine($"total run time {total.Elapsed.TotalMinutes:F1} min");
        // Missed targets are figures, not failures; a 5xx answer or a measurement that failed is (CI runs --quick).
        if (Load.WholeRunFiveHundreds() > 0)
        {
            await Console.Error.WriteLineAsync($"benchmark: {Load.WholeRunFiveHundreds():N0} answers were 5xx");
            return 3;
        }

        if (failedMeasurements > 0)
        {
            await Console.Error.WriteLineAsync($"benchmark: {failedMeasurements} measurement(s) failed (NOT MEASURED above)");
            return 4;
        }

        return 0;
    }

    /// <summary>
    /// The store's size, and bytes per exchange record by table (heap and TOAST, then its indexes) and by index:
    /// pg_table_size / pg_relation_size of each relation of the ledger's schema, divided by the exchange records.
    /// </summary>
    private static async Task<(long Records, long Events, long DatabaseBytes, double BytesPerExchange)> StorageAsync(BenchDatabase database)
    {
        var s = LedgerStore.Schema;
        var records = await database.ScalarAsync<long>($"select count(*) from {s}.mt_doc_nwsrecord");
        var events = await database.ScalarAsync<long>($"select count(*) from {s}.mt_events");
        var bytes = await database.ScalarAsync<long>("select pg_database_size(current_database())");
        Console.WriteLine($"  store: {records:N0} exchange records (NWS copies), {events:N0} events ({(double)events / records:F2} per exchange), database {bytes / (1 << 20):N0} MiB");
        var per = (double)Math.Max(1, records);
        var rows = await database.RowsAsync(
            "select c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid), c.reltuples::bigint, " +
            "coalesce((select string_agg(i.relname || '=' || pg_relation_size(i.oid), ' ' order by pg_relation_size(i.oid) desc) " +
            "  from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = c.oid), '') " +
            $"from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '{s}' and c.relkind in ('r', 'p') " +
            "order by pg_total_relation_size(c.oid) desc");
        var total = rows.Sum(r => long.Parse(r[1], CultureInfo.InvariantCulture) + long.Parse(r[2], CultureInfo.InvariantCulture));
        Console.WriteLine($"  bytes per exchange record, schema {s} (table = heap + TOAST; indexes; rows), total {total / per:N0} B:");
        Console.WriteLine($"    {"table",-36} {"table",8} {"indexes",8} {"total",8} {"rows",14}");
        long small = 0;
        foreach (var row in rows)
        {
            var table = long.Parse(row[1], CultureInfo.InvariantCulture);
            var indexes = long.Parse(row[2], CultureInfo.InvariantCulture);
            if ((table + indexes) / per < 5)
            {
                // Wolverine's tables, empty read models, checkpoints: fixed sizes, nothing per exchange.
                small += table + indexes;
                continue;
            }

            Console.WriteLine($"    {row[0],-36} {table / per,8:N0} {indexes / per,8:N0} {(table + indexes) / per,8:N0} {long.Parse(row[3], CultureInfo.InvariantCulture),14:N0}");
            foreach (var index in row[4].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var at = index.LastIndexOf('=');
                var size = long.Parse(index[(at + 1)..], CultureInfo.InvariantCulture) / per;
                if (size >= 1)
                {
                    Console.WriteLine($"      index {index[..at],-48} {size,8:N0}");
                }
            }
        }

        Console.WriteLine($"    {"every other table (under 5 B each)",-36} {"",8} {"",8} {small / per,8:N0}");
        return (records, events, bytes, total / per);
    }

    private static int failedMeasurements;

    /// <summary>
    /// <c>--incidents-only</c>: the incident of <c>--trace-records</c>, then the large one of <c>--large-trace-records</c>, on
    /// the store as it is (empty but for them), each confirmed and traced as in the stages; no other phase.
    /// </summary>
    private static async Task<int> IncidentsOnlyAsync(BenchOptions o, LedgerHost host, HttpClient client, BenchDatabase database)
    {
        Heading("Incidents only (--incidents-only): the store holds nothing but the incidents' own records");
        var figures = new List<IncidentFigures?>();
        foreach (var (records, number) in new[] { (o.TraceRecords, 1), (o.LargeTraceRecords, 99) }.Where(x => x.Item1 > 0))
        {
            figures.Add(await Attempt($"incident of {records:N0}", () =>
                IncidentTraceBenchmark.MeasureAsync(host, client, database, records, o.Quick ? 5 : 10, incident: number)));
        }

        Console.WriteLine();
        foreach (var f in figures.OfType<IncidentFigures>())
        {
            Console.WriteLine($"incident of {f.Records:N0} records: confirmation {f.Confirmation.TotalSeconds:F2} s; trace over HTTP {f.Trace}");
        }

        Console.WriteLine($"HTTP over the whole run, {Load.WholeRunStatuses()}");
        return Load.WholeRunFiveHundreds() > 0 ? 3 : failedMeasurements > 0 ? 4 : 0;
    }

    /// <summary>Runs one measurement; when it fails, says so (the figure is then missing from the summary) and lets the run go on.</summary>
    private static async Task<T?> Attempt<T>(string name, Func<Task<T>> measure) where T : class
    {
        try
        {
            return await measure();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref failedMeasurements);
            Console.WriteLine($"  {name}: NOT MEASURED, it failed: {e.GetType().Name}: {(e.Message.Length > 600 ? e.Message[..600] : e.Message)}");
            return null;
        }
    }

    private static string Clients(int n) => n == 1 ? "1 client" : $"{n} clients";

    private static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"{text}   [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
    }

    /// <summary>What the database did for the HTTP exchanges: statements per exchange, and where the time went.</summary>
    private static async Task StatementsAsync(BenchDatabase database, int exchanges)
    {
        const string Mine = "dbid = (select oid from pg_database where datname = current_database())";
        var calls = await database.ScalarAsync<decimal>($"select coalesce(sum(calls), 0) from pg_stat_statements where {Mine}");
        Console.WriteLine($"  database statements (pg_stat_statements): {calls:N0} = {calls / exchanges:F1} per exchange; the top ones by time:");
        foreach (var row in await database.RowsAsync(
                     "select calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 3), " +
                     $"left(regexp_replace(query, '\\s+', ' ', 'g'), 150) from pg_stat_statements where {Mine} order by total_exec_time desc limit 10"))
        {
            var perExchange = decimal.Parse(row[0], CultureInfo.InvariantCulture) / exchanges;
            Console.WriteLine($"    {perExchange,5:F2}/exch  {row[1],7} ms total  {row[2],7} ms mean  {row[3]}");
        }

        Console.WriteLine("  the most frequent ones:");
        foreach (var row in await database.RowsAsync(
                     "select calls, round(total_exec_time::numeric, 0), round(mean_exec_time::numeric, 3), " +
                     $"left(regexp_replace(query, '\\s+', ' ', 'g'), 150) from pg_stat_statements where {Mine} order by calls desc limit 12"))
        {
            var perExchange = decimal.Parse(row[0], CultureInfo.InvariantCulture) / exchanges;
            Console.WriteLine($"    {perExchange,5:F2}/exch  {row[1],7} ms total  {row[2],7} ms mean  {row[3]}");
        }
    }

    private static async Task ExplainAsync(BenchDatabase database, Population population, string institution)
    {
        Heading("Query plans on the big store (EXPLAIN ANALYZE, the service's queries with literal values)");
        var s = LedgerStore.Schema;
        var hot = population.SubjectRefOf(HotPerson);
        var retention = SearchRecordsEndpoint.RetentionStart(DateTimeOffset.UtcNow, 7);
        var mid = await database.RowsAsync(
            $"select sort_key, id from {s}.mt_doc_inquirerrecord where inquirer_code = '{institution}' order by sort_key, id " +
            $"offset (select count(*) / 2 from {s}.mt_doc_inquirerrecord where inquirer_code = '{institution}') limit 1");
        var nwsMid = await database.RowsAsync($"select sort_key, id from {s}.mt_doc_nwsrecord order by sort_key offset 500000 limit 1");
        var nwsAt = nwsMid.Count > 0 ? nwsMid[0] : (await database.RowsAsync($"select sort_key, id from {s}.mt_doc_nwsrecord limit 1"))[0];
        var someExchange = (await database.RowsAsync($"select id from {s}.mt_doc_nwsrecord where id like 'NWS-Q-%' limit 1"))[0][0];
        var plans = new (string Name, string Sql)[]
        {
            ("Mynaportal search (first page)",
                $"select d.data from {s}.mt_doc_portalentry as d where d.subject_ref = '{hot}' and d.non_disclosed = false and d.sort_key >= {retention} " +
                "order by d.sort_key desc, d.exchange_id desc limit 21"),
            ("institution listing, first page",
                $"select d.data from {s}.mt_doc_inquirerrecord as d where d.inquirer_code = '{institution}' order by d.sort_key, d.id limit 51"),
            ("institution listing, cursor page in the middle",
                $"select d.data from {s}.mt_doc_inquirerrecord as d where d.inquirer_code = '{institution}' and (d.sort_key, d.id) > ({mid[0][0]}, '{mid[0][1]}') " +
                "order by d.sort_key, d.id limit 51"),
            ("NWS listing, 'from' + cursor page in the middle",
                $"select d.data from {s}.mt_doc_nwsrecord as d where d.sort_key >= {nwsAt[0]} and (d.sort_key, d.id) > ({nwsAt[0]}, '{nwsAt[1]}') " +
                "order by d.sort_key, d.id limit 51"),
            ("PortalProjection: entries of one exchange (on every provision, correction, mark)",
                $"select d.data from {s}.mt_doc_portalentry as d where d.exchange_id = '{someExchange}'"),
        };
        foreach (var (name, sql) in plans)
        {
            Console.WriteLine($"  {name}:");
            Console.WriteLine(await database.ExplainAsync(sql));
        }

        Console.WriteLine("  indexes of the listed tables:");
        foreach (var row in await database.RowsAsync(
                     $"select indexdef from pg_indexes where schemaname = '{s}' and tablename in ('mt_doc_inquirerrecord', 'mt_doc_nwsrecord', 'mt_doc_portalentry') order by tablename, indexname"))
        {
            Console.WriteLine("    " + row[0]);
        }
    }
}
