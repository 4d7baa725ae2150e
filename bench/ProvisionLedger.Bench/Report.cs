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

    public PhaseResult? Preload { get; set; }

    public Summary? Portal { get; set; }

    public List<(string Name, Summary First, Summary Cursor)> Pages { get; } = [];

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

    public void PrintAll()
    {
        Console.WriteLine();
        Console.WriteLine("Targets:");
        if (Ingest is not null && PlainOne is not null && IngestLatency is not null)
        {
            var ratio = Ingest.PerSecond / PlainOne.PerSecond;
            Console.WriteLine(Verdict(
                $"HTTP write path ≥ 0.5 × plain Marten 1 event/tx at the same clients: {ratio:F2} ×",
                ratio >= 0.5, $"{(0.5 - ratio) / 0.5:P0} short ({Ingest.PerSecond:N0} vs {0.5 * PlainOne.PerSecond:N0} exch/s needed)",
                $"{ratio / 0.5:F1} × the bar"));
            Console.WriteLine(Verdict(
                $"HTTP write path p99 < 20 ms per request: {IngestLatency.P99:F1} ms",
                IngestLatency.P99 < 20, $"over by {IngestLatency.P99 - 20:F1} ms", $"{20 - IngestLatency.P99:F1} ms to spare"));
        }

        if (Bulk is not null && PlainBatch is not null)
        {
            var ratio = Bulk.PerSecond / PlainBatch.PerSecond;
            Console.WriteLine(Verdict(
                $"bulk path ≥ plain Marten batch append: {ratio:F2} ×", ratio >= 1,
                $"{1 - ratio:P0} short ({Bulk.PerSecond:N0} vs {PlainBatch.PerSecond:N0} exch/s)", $"{ratio - 1:P0} ahead"));
        }
        else
        {
            Console.WriteLine("  [NOT MEASURED] bulk path ≥ plain Marten batch append: the build has no bulk route.");
        }

        if (Portal is not null)
        {
            Console.WriteLine(Verdict(
                $"Mynaportal search over HTTP p99 < 5 ms: {Portal.P99:F2} ms (p50 {Portal.P50:F2} ms)", Portal.P99 < 5,
                $"over by {Portal.P99 - 5:F2} ms", $"{5 - Portal.P99:F2} ms to spare"));
        }

        foreach (var (name, first, cursor) in Pages)
        {
            Console.WriteLine($"  [info] party copies, {name}: first page p50 {first.P50:F2} / p99 {first.P99:F2} ms; cursor page p50 {cursor.P50:F2} / p99 {cursor.P99:F2} ms");
        }

        if (Preload is not null)
        {
            Console.WriteLine($"  [info] preload: {Preload.PerSecond:N0} exchanges/s");
        }
    }

    private static string Ratio(PhaseResult result, PhaseResult? baseline) =>
        baseline is null ? "-" : (result.PerSecond / baseline.PerSecond).ToString("F2", CultureInfo.InvariantCulture);

    private static string Verdict(string what, bool met, string missed, string margin) =>
        met ? $"  [MET]    {what} ({margin})" : $"  [MISSED] {what}: {missed}";
}
