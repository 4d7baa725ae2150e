using System.Globalization;

namespace ProvisionLedger.Bench;

/// <summary>The run's figures side by side, as ratios, and against the targets.</summary>
public sealed class Report
{
    public PhaseResult? Ingest { get; set; }

    public Summary? IngestLatency { get; set; }

    public PhaseResult? PlainOne { get; set; }

    public bool HasBulk { get; set; }

    public PhaseResult? Bulk { get; set; }

    public PhaseResult? PlainBatch { get; set; }

    public PhaseResult? BulkInquiries { get; set; }

    public PhaseResult? FileImport { get; set; }

    public PhaseResult? Copy { get; set; }

    /// <summary>The client count the targets are judged at (issue 9: 8 clients).</summary>
    public int Clients { get; init; } = 8;

    /// <summary>HTTP single routes by client count: throughput and every request's latency.</summary>
    public SortedDictionary<int, (PhaseResult Result, Summary Latency)> SingleRoutes { get; } = [];

    /// <summary>Plain Marten, one event per transaction, by client count: throughput and every transaction's latency.</summary>
    public SortedDictionary<int, (PhaseResult Result, Summary Latency)> Plain { get; } = [];

    /// <summary>The chain's integration lag while the single routes ran at <see cref="Clients"/> clients.</summary>
    public ChainLagFigures? ChainLag { get; set; }

    /// <summary>One bulk call's latency (1,000 records per call).</summary>
    public Summary? BulkCall { get; set; }

    public List<StageFigures> Stages { get; } = [];

    public IncidentFigures? LargeIncident { get; set; }

    public VerifyFigures? Verify { get; set; }

    public RebuildFigures? Rebuild { get; set; }

    /// <summary>The single routes beside plain Marten one event per transaction, at each client count.</summary>
    public void PrintSingleRoutes()
    {
        Console.WriteLine();
        Console.WriteLine("Single routes by clients: HTTP (every projection on) beside plain Marten, 1 event/tx (no projections):");
        Console.WriteLine($"  {"clients",7} {"HTTP exch/s",12} {"p50 ms",8} {"p99 ms",8} {"Marten exch/s",14} {"p50 ms",8} {"p99 ms",8} {"ratio",7}");
        foreach (var (clients, (result, latency)) in SingleRoutes)
        {
            if (!Plain.TryGetValue(clients, out var plain))
            {
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clients,7} {result.PerSecond,12:N0} {latency.P50,8:F1} {latency.P99,8:F1} {plain.Result.PerSecond,14:N0} {plain.Latency.P50,8:F1} {plain.Latency.P99,8:F1} {result.PerSecond / plain.Result.PerSecond,7:F2}"));
        }
    }

    /// <summary>The stages measured so far, side by side (printed after each stage, so a run cut short keeps its columns).</summary>
    public void PrintStages()
    {
        string Row(string name, Func<StageFigures, string> cell) =>
            $"  {name,-44}" + string.Concat(Stages.Select(st => $" {cell(st),16}"));
        static string Ms(Summary? x) => x is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{x.P50:F1} / {x.P99:F1}");
        Console.WriteLine(Row("exchange records (stage size)", st => st.Size.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  exchange records in the store", st => st.Records.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  events in the store", st => st.Events.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("write: preload exch/s (bulk path)", st => st.Preload is null ? "-" : st.Preload.PerSecond.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  with the corrections, exch/s", st => st.Preload is null ? "-" : (st.Preload.Units / (st.Preload.Seconds + (st.Corrections?.Seconds ?? 0))).ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  chain lag during preload p99 / max s", st => st.PreloadChain is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{st.PreloadChain.P99Seconds:F1} / {st.PreloadChain.MaxSeconds:F1}")));
        Console.WriteLine(Row("Mynaportal search p50 / p99 ms", st => Ms(st.Portal)));
        Console.WriteLine(Row("party page p50 / p99 ms (all listings)", st => Ms(st.PartyPage)));
        Console.WriteLine(Row("incident: records", st => st.Incident is null ? "-" : st.Incident.Records.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  confirmation s", st => st.Incident is null ? "-" : st.Incident.Confirmation.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("  trace p50 / p99 ms", st => Ms(st.Incident?.Trace)));
        Console.WriteLine(Row("bytes per exchange record", st => st.BytesPerExchange.ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("database MiB", st => (st.DatabaseBytes / (1 << 20)).ToString("N0", CultureInfo.InvariantCulture)));
        Console.WriteLine(Row("stage duration min", st => st.Duration.TotalMinutes.ToString("F1", CultureInfo.InvariantCulture)));
    }

    public void PrintWrites()
    {
        PrintBulkInquiries();
        Console.WriteLine();
        Console.WriteLine("Write throughput, exchanges/s (an exchange = inquiry + provision), and as ratios:");
        Console.WriteLine($"  {"path",-44} {"exch/s",9} {"÷ Marten 1/tx",14} {"÷ Marten batch",15} {"÷ COPY",8}");
        foreach (var (name, result) in new (string, PhaseResult?)[]
                 {
                     ("HTTP single routes, all projections", Ingest),
                     ("plain Marten, 1 event/tx, no projections", PlainOne),
                     (HasBulk ? "HTTP bulk path, all projections" : "HTTP bulk path: NOT MEASURED (absent)", Bulk),
                     ("plain Marten batch append, no projections", PlainBatch),
                     ("raw binary COPY, plain table", Copy),
                 })
        {
            Console.WriteLine(result is null
                ? $"  {name,-44} {"-",9}"
                : string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-44} {result.PerSecond,9:N0} {Ratio(result, PlainOne),14} {Ratio(result, PlainBatch),15} {Ratio(result, Copy),8}"));
        }
    }

    public void PrintBulkInquiries()
    {
        if (BulkInquiries is null || FileImport is null)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("Bulk inquiries (一括照会), lines/s (a line = one inquiry, no provision), every projection on:");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"JSON batches (POST /exchanges/batch)",-44} {BulkInquiries.PerSecond,9:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"一括照会 files (POST /inquiries/files)",-44} {FileImport.PerSecond,9:N0} {FileImport.PerSecond / BulkInquiries.PerSecond,6:F2} × JSON"));
    }

    /// <summary>Every figure of issues 13 and 9 in one list: [MET] / [MISSED] against its target, [info] without one.</summary>
    public void PrintAll()
    {
        Console.WriteLine();
        Console.WriteLine("The stages side by side:");
        PrintStages();
        PrintSingleRoutes();
        Console.WriteLine();
        Console.WriteLine("Summary (every figure; [MET]/[MISSED] against its target, [info] without one):");
        if (Ingest is not null && PlainOne is not null && IngestLatency is not null)
        {
            var ratio = Ingest.PerSecond / PlainOne.PerSecond;
            Console.WriteLine(Verdict(
                $"HTTP single routes ≥ 0.5 × plain Marten 1 event/tx at {Clients} clients (issue 9): {Ingest.PerSecond:N0} vs {PlainOne.PerSecond:N0} exch/s = {ratio:F2} ×",
                ratio >= 0.5, $"{(0.5 - ratio) / 0.5:P0} short ({0.5 * PlainOne.PerSecond:N0} exch/s needed)", $"{ratio / 0.5:F1} × the bar"));
            Console.WriteLine(Verdict(
                $"HTTP single routes p99 < 20 ms per request at {Clients} clients (issue 9): {IngestLatency.P99:F1} ms (p50 {IngestLatency.P50:F1} ms)",
                IngestLatency.P99 < 20, $"over by {IngestLatency.P99 - 20:F1} ms", $"{20 - IngestLatency.P99:F1} ms to spare"));
        }

        foreach (var (clients, (result, latency)) in SingleRoutes)
        {
            if (Plain.TryGetValue(clients, out var plain))
            {
                var ratio = result.PerSecond / plain.Result.PerSecond;
                Console.WriteLine(Verdict(
                    $"HTTP single routes ≥ 1 × plain Marten 1 event/tx at {clients} client{(clients == 1 ? "" : "s")} (issue 13): {result.PerSecond:N0} vs {plain.Result.PerSecond:N0} exch/s = {ratio:F2} ×; " +
                    $"per request p50 {latency.P50:F1} / p99 {latency.P99:F1} ms (Marten p99 {plain.Latency.P99:F1} ms)",
                    ratio >= 1, $"{1 - ratio:P0} short", $"{ratio - 1:P0} ahead"));
            }
        }

        if (ChainLag is not null)
        {
            Console.WriteLine(Verdict(
                $"chain integration lag < 1 s under the single-route load at {Clients} clients (issue 9): p99 {ChainLag.P99Seconds * 1000:F0} ms, max {ChainLag.MaxSeconds * 1000:F0} ms",
                ChainLag.P99Seconds < 1, $"over by {ChainLag.P99Seconds - 1:F2} s", $"{1 - ChainLag.P99Seconds:F2} s to spare"));
            Console.WriteLine($"  [info]   chain integrator (issue 9): {ChainLag.PerSecond:N0} events/s kept up with during that phase; {ChainLag.BusyPerSecond:N0} events/s of its own integration work");
        }

        if (Verify is null)
        {
            Console.WriteLine("  [MISSED] verify ≥ 0.5 × binary COPY OUT (issue 9): NOT MEASURED (see above)");
        }
        else
        {
            var ratio = Verify.VerifyPerSecond / Verify.CopyPerSecond;
            Console.WriteLine(Verdict(
                $"verify ≥ 0.5 × binary COPY OUT of the same rows, {Verify.Events:N0} events (issue 9): {Verify.VerifyPerSecond:N0} vs {Verify.CopyPerSecond:N0} events/s = {ratio:F2} ×",
                ratio >= 0.5, $"{(0.5 - ratio) / 0.5:P0} short", $"{ratio / 0.5:F1} × the bar"));
        }

        if (Bulk is not null && PlainBatch is not null)
        {
            var ratio = Bulk.PerSecond / PlainBatch.PerSecond;
            Console.WriteLine(Verdict(
                $"bulk path ≥ 1 × plain Marten batch append (issue 13): {Bulk.PerSecond:N0} vs {PlainBatch.PerSecond:N0} exch/s = {ratio:F2} ×", ratio >= 1,
                $"{1 - ratio:P0} short", $"{ratio - 1:P0} ahead"));
            if (Copy is not null)
            {
                Console.WriteLine($"  [info]   bulk path ÷ raw COPY: {Bulk.PerSecond / Copy.PerSecond:F2} × (toward 0.3 ×); one call of 1,000: p50 {BulkCall?.P50 / 1000:F2} s, p99 {BulkCall?.P99 / 1000:F2} s ({Clients} calls in flight)");
            }
        }
        else
        {
            Console.WriteLine("  [MISSED] bulk path ≥ plain Marten batch append: NOT MEASURED, the build has no bulk route.");
        }

        if (Rebuild is null)
        {
            Console.WriteLine("  [MISSED] projection rebuild ≥ 2 × Marten's default (issue 13): NOT MEASURED (see above)");
        }
        else
        {
            Console.WriteLine($"  [info]   projection rebuild, Marten's default: {Rebuild.MartenPerSecond:N0} events/s over {Rebuild.Events:N0} events ({Rebuild.Marten.TotalSeconds:F1} s)");
            Console.WriteLine(Rebuild.LedgerPerSecond is { } ledger
                ? Verdict($"projection rebuild ≥ 2 × Marten's default (issue 13): {ledger:N0} vs {Rebuild.MartenPerSecond:N0} events/s = {ledger / Rebuild.MartenPerSecond:F2} ×",
                    ledger >= 2 * Rebuild.MartenPerSecond, $"{(2 - (ledger / Rebuild.MartenPerSecond)) / 2:P0} short", $"{ledger / Rebuild.MartenPerSecond / 2:F1} × the bar")
                : "  [MISSED] projection rebuild ≥ 2 × Marten's default (issue 13): 1.00 ×, the ledger has no rebuild of its own in this build (`projections --rebuild` is Marten's)");
        }

        foreach (var stage in Stages)
        {
            var at = $"at {stage.Records:N0} records";
            Console.WriteLine($"  [info]   {at}: preload through the bulk path {stage.Preload?.PerSecond:N0} exch/s; party page p50 {stage.PartyPage?.P50:F2} / p99 {stage.PartyPage?.P99:F2} ms");
            if (stage.Portal is { } portal)
            {
                Console.WriteLine(Verdict($"Mynaportal search p99 < 5 ms (issue 13, at ≥ 10M records) {at}: p99 {portal.P99:F2} ms (p50 {portal.P50:F2} ms)",
                    portal.P99 < 5, $"over by {portal.P99 - 5:F2} ms", $"{5 - portal.P99:F2} ms to spare"));
            }

            if (stage.Incident is { } incident)
            {
                Console.WriteLine(Verdict($"mis-linkage confirmation of {incident.Records:N0} records < 2 s (issue 13) {at}: {incident.Confirmation.TotalSeconds:F1} s",
                    incident.Confirmation.TotalSeconds < 2, $"{incident.Confirmation.TotalSeconds / 2:F1} × the limit", $"{2 - incident.Confirmation.TotalSeconds:F1} s to spare"));
                Console.WriteLine(Verdict($"incident trace of {incident.Records:N0} records p99 < 300 ms (issue 13) {at}: p99 {incident.Trace.P99:F0} ms (p50 {incident.Trace.P50:F0} ms)",
                    incident.Trace.P99 < 300, $"over by {incident.Trace.P99 - 300:F0} ms", $"{300 - incident.Trace.P99:F0} ms to spare"));
            }

            Console.WriteLine(Verdict($"storage < 3 KB per exchange (issue 13) {at}: {stage.BytesPerExchange:N0} B", stage.BytesPerExchange < 3072,
                $"{stage.BytesPerExchange / 3072:F1} × the limit", $"{3072 - stage.BytesPerExchange:N0} B to spare"));
        }

        if (LargeIncident is null)
        {
            Console.WriteLine("  [MISSED] incident trace of 100,000 records < 2 s (issue 13): NOT MEASURED (see above)");
        }
        else if (LargeIncident is { } large)
        {
            Console.WriteLine(Verdict($"incident trace of {large.Records:N0} records < 2 s (issue 13): p99 {large.Trace.P99:F0} ms (p50 {large.Trace.P50:F0} ms)",
                large.Trace.P99 < 2000, $"over by {(large.Trace.P99 - 2000) / 1000:F1} s", $"{(2000 - large.Trace.P99) / 1000:F1} s to spare"));
            Console.WriteLine($"  [info]   mis-linkage confirmation of {large.Records:N0} records: {large.Confirmation.TotalSeconds:F1} s");
        }

        if (Stages.LastOrDefault() is { Preload: not null } last)
        {
            // National scale (bench/README.md): ~120 million events a year, seven years kept.
            var eventsPerExchange = (double)last.Events / last.Records;
            var exchanges = 7 * 120e6 / eventsPerExchange;
            Console.WriteLine($"  [info]   national scale, 7 years of 120M events/year = {exchanges / 1e6:N0}M exchange records at {eventsPerExchange:F2} events each: " +
                              $"{exchanges * last.BytesPerExchange / 1e12:F2} TB at this run's last stage's bytes per exchange; " +
                              $"back-load at its preload rate {exchanges / last.Preload.PerSecond / 86_400:F1} days");
        }

        var fives = Load.WholeRunFiveHundreds();
        Console.WriteLine(Verdict($"no 5xx answer over the whole run: {Load.WholeRunStatuses()}", fives == 0, $"{fives:N0} answers were 5xx", "none"));
    }

    private static string Ratio(PhaseResult result, PhaseResult? baseline) =>
        baseline is null ? "-" : (result.PerSecond / baseline.PerSecond).ToString("F2", CultureInfo.InvariantCulture);

    private static string Verdict(string what, bool met, string missed, string margin) =>
        met ? $"  [MET]    {what} ({margin})" : $"  [MISSED] {what}: {missed}";
}

/// <summary>One stage of the growing store: how fast it was filled and how the reads answered on it.</summary>
public sealed class StageFigures
{
    public int Size { get; init; }

    public long Records { get; set; }

    public long Events { get; set; }

    public long DatabaseBytes { get; set; }

    public double BytesPerExchange { get; set; }

    public PhaseResult? Preload { get; set; }

    public PhaseResult? Corrections { get; set; }

    public ChainLagFigures? PreloadChain { get; set; }

    public Summary? Portal { get; set; }

    public Summary? PartyPage { get; set; }

    public List<(string Name, Summary First, Summary Cursor)> Pages { get; } = [];

    public IncidentFigures? Incident { get; set; }

    public TimeSpan Duration { get; set; }
}
