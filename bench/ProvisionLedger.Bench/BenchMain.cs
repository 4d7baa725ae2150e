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
        var report = new Report();

        // 1. The HTTP write path, every projection on.
        Heading("1. HTTP write path (single routes), all inline projections on");
        var (linked, linkLatency) = await http.LinkAsync(0, o.HttpPersons, o.Clients);
        Load.Print(linked, linkLatency);
        int HttpPerson(int i) => (int)(new Mix(7, i).NextULong() % (ulong)o.HttpPersons);
        Load.Print((await http.IngestAsync("W", o.Warmup, o.Clients, HttpPerson)).Item1 with { Name = "warm-up (not counted)" });
        await database.ExecuteAsync("select pg_stat_statements_reset()");
        var (ingest, ingestLatency) = await http.IngestAsync("H", o.HttpExchanges, o.Clients, HttpPerson);
        Load.Print(ingest, ingestLatency);
        await StatementsAsync(database, o.HttpExchanges);
        report.Ingest = ingest;
        report.IngestLatency = ingestLatency.Of(Latencies.AllKinds);

        // 2. Beside it: the same events without the service.
        Heading("2. The same events without the service (same cluster, same settings)");
        await using var baselines = new Baselines(database, population);
        await baselines.PrepareAsync();
        Load.Print((await baselines.OneEventPerTransactionAsync("W", o.Warmup, o.Clients, HttpPerson)).Item1 with { Name = "warm-up (not counted)" });
        var (plainOne, plainOneLatency) = await baselines.OneEventPerTransactionAsync("H", o.HttpExchanges, o.Clients, HttpPerson);
        Load.Print(plainOne, plainOneLatency);
        report.PlainOne = plainOne;

        report.HasBulk = await http.HasBulkPathAsync();
        if (report.HasBulk)
        {
            Load.Print((await http.BulkAsync("warm-up (not counted)", "WK", 2 * o.BatchSize, o.BatchSize, o.Clients, HttpPerson)).Item1);
            await database.ExecuteAsync("select pg_stat_statements_reset()");
            var (bulk, bulkLatency) = await http.BulkAsync(
                $"HTTP bulk path (POST /api/v1/exchanges/batch, {o.BatchSize} per call)", "K", o.BatchExchanges, o.BatchSize, o.Clients, HttpPerson);
            Load.Print(bulk, bulkLatency);
            await StatementsAsync(database, o.BatchExchanges);
            report.Bulk = bulk;
        }
        else
        {
            Console.WriteLine("  HTTP bulk path: NOT MEASURED: this build has no POST /api/v1/exchanges/batch.");
        }

        if (report.HasBulk)
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

        // 3. A big store, then the read paths on it.
        Heading($"3. A store of {o.Records:N0}+ exchange records, then read latency over HTTP");
        await http.LinkAsync(HotPerson, 1, 1);
        var preload = new Preload(host, population);
        Load.Print(await preload.LinkAsync(PreloadBase, o.PreloadPersons, 3000, o.PreloadTasks));
        int PreloadPerson(int i) => i < o.HotSubjectRecords ? HotPerson : PreloadBase + (int)(new Mix(11, i).NextULong() % (ulong)o.PreloadPersons);
        PhaseResult filled;
        if (o.PreloadVia == "bulk" && report.HasBulk)
        {
            (filled, _) = await http.BulkAsync($"preload exchanges (bulk path, {o.BatchSize} per call)", "Q", o.Records, o.BatchSize, o.PreloadTasks, PreloadPerson);
            Load.Print(filled);
            var corrections = Enumerable.Range(0, o.Records).Where(i => population.Exchange("Q", i, PreloadPerson(i)).Correction is not null).ToArray();
            var correctionLatency = new Latencies();
            var corrected = await Load.RunAsync("preload corrections (POST .../corrections)", corrections.Length, o.Clients, async unit =>
            {
                var plan = population.Exchange("Q", corrections[unit], PreloadPerson(corrections[unit]));
                await correctionLatency.TimeAsync("correction", () => Load.SendAsync(
                    client, HttpMethod.Post, $"/api/v1/exchanges/{plan.ExchangeId}/corrections", plan.Correction,
                    http.InstitutionToken(plan.Inquiry.InquirerCode!), System.Net.HttpStatusCode.Created));
            });
            Load.Print(corrected, correctionLatency);
        }
        else
        {
            filled = await preload.ExchangesInProcessAsync("Q", o.Records, o.BatchSize, o.PreloadTasks, PreloadPerson);
            Load.Print(filled);
        }

        report.Preload = filled;
        // Statistics for the planner, as autovacuum would gather them in time; no VACUUM, which would take minutes here.
        var analyze = Stopwatch.StartNew();
        await database.ExecuteAsync("analyze");
        Console.WriteLine($"  analyze: {analyze.Elapsed.TotalSeconds:F0} s");
        var records = await database.ScalarAsync<long>($"select count(*) from {LedgerStore.Schema}.mt_doc_nwsrecord");
        var events = await database.ScalarAsync<long>($"select count(*) from {LedgerStore.Schema}.mt_events");
        Console.WriteLine($"  store: {records:N0} exchange records (NWS copies), {events:N0} events, database {await database.ScalarAsync<string>("select pg_size_pretty(pg_database_size(current_database()))")}");
        foreach (var row in await database.RowsAsync(
                     "select c.relname, pg_size_pretty(pg_total_relation_size(c.oid)), c.reltuples::bigint from pg_class c " +
                     $"join pg_namespace n on n.oid = c.relnamespace where n.nspname = '{LedgerStore.Schema}' and c.relkind = 'r' " +
                     "order by pg_total_relation_size(c.oid) desc limit 8"))
        {
            Console.WriteLine($"    {row[0],-32} {row[1],9}  {long.Parse(row[2], CultureInfo.InvariantCulture),12:N0} rows");
        }

        var reads = Load.Meter.Take();
        var hotTotal = await http.PortalTotalAsync(HotPerson);
        Console.WriteLine($"  hot subject: its Mynaportal view shows {hotTotal} records (all pages)");
        var (portal, items) = await http.PortalSearchAsync(HotPerson, o.PortalCalls, Math.Min(200, o.PortalCalls));
        Console.WriteLine($"  Mynaportal search, first page of {items} for the hot subject, 1 client, {o.PortalCalls} calls after warm-up:");
        Console.WriteLine("    " + portal);
        Load.PrintStatuses();
        report.Portal = portal;

        var institution = (await database.RowsAsync(
            $"select inquirer_code from {LedgerStore.Schema}.mt_doc_inquirerrecord group by 1 order by count(*) desc limit 1"))[0][0];
        var listings = new (string Name, string Path, string Token)[]
        {
            ($"institution {institution} as inquirer", $"/api/v1/parties/{institution}/records?role=inquirer&", http.InstitutionToken(institution)),
            ($"institution {institution} as provider", $"/api/v1/parties/{institution}/records?role=provider&", http.InstitutionToken(institution)),
            ("NWS", "/api/v1/parties/nws/records?", http.NwsToken),
        };
        Console.WriteLine($"  party copies, pages of 50, 1 client, {o.PageCalls} calls each after warm-up (half walk the cursor from the oldest, half start at a random 'from'):");
        foreach (var (name, path, token) in listings)
        {
            var (first, next) = await http.PagesAsync(path, token, o.PageCalls, Math.Min(100, o.PageCalls));
            Console.WriteLine($"    {name}:");
            Console.WriteLine("      " + first);
            Console.WriteLine("      " + next);
            Load.PrintStatuses("      ");
            report.Pages.Add((name, first, next));
        }

        Console.WriteLine($"  (reads: {CpuMeter.Describe(reads, Load.Meter.Take())})");
        await IncidentTraceBenchmark.MeasureAsync(host, client, database, records: o.Quick ? 1_000 : 10_000);
        await ExplainAsync(database, population, institution);
        await IntendedIndexesAsync(database, http, o, institution, listings[0]);
        report.PrintAll();
        Console.WriteLine($"HTTP over the whole run, {Load.WholeRunStatuses()}");
        Console.WriteLine($"total run time {total.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

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
    }

    /// <summary>
    /// LedgerStore asks for keyset indexes (inquirer_code, sort_key, id), (provider_code, sort_key, id) and
    /// (subject_ref, sort_key, exchange_id), but the indexes Marten creates under those names hold the first column only
    /// (printed above). This adds the intended ones beside them, on the throwaway store, and measures again.
    /// </summary>
    private static async Task IntendedIndexesAsync(
        BenchDatabase database, HttpPhases http, BenchOptions o, string institution, (string Name, string Path, string Token) listing)
    {
        Heading("Experiment, after every figure above: the keyset indexes LedgerStore intends, added by hand");
        var s = LedgerStore.Schema;
        var created = Stopwatch.StartNew();
        await database.ExecuteAsync(
            $"create index bench_inquirer_page on {s}.mt_doc_inquirerrecord (inquirer_code, sort_key, id); " +
            $"create index bench_provider_page on {s}.mt_doc_providerrecord (provider_code, sort_key, id); " +
            $"create index bench_portal_page on {s}.mt_doc_portalentry (subject_ref, sort_key, exchange_id); analyze");
        Console.WriteLine($"  created in {created.Elapsed.TotalSeconds:F0} s");
        var (first, next) = await http.PagesAsync(listing.Path, listing.Token, o.PageCalls, Math.Min(100, o.PageCalls));
        Console.WriteLine($"  {listing.Name}, same calls as above:");
        Console.WriteLine("    " + first);
        Console.WriteLine("    " + next);
        var mid = await database.RowsAsync(
            $"select sort_key, id from {s}.mt_doc_inquirerrecord where inquirer_code = '{institution}' order by sort_key, id " +
            $"offset (select count(*) / 2 from {s}.mt_doc_inquirerrecord where inquirer_code = '{institution}') limit 1");
        Console.WriteLine("  institution listing, cursor page in the middle:");
        Console.WriteLine(await database.ExplainAsync(
            $"select d.data from {s}.mt_doc_inquirerrecord as d where d.inquirer_code = '{institution}' and (d.sort_key, d.id) > ({mid[0][0]}, '{mid[0][1]}') " +
            "order by d.sort_key, d.id limit 51"));
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
