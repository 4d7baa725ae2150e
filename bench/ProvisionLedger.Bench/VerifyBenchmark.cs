using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Bench;

/// <summary>
/// Issue 9: <c>verify</c> (the command-line tool's <see cref="AuditDatabase.VerifyAsync(NpgsqlDataSource, VerifyOptions, CancellationToken)"/>:
/// every digest, link, seal and checkpoint recomputed) over the whole store, beside a binary COPY OUT of the same rows (the
/// chain joined to its events, in chain order, the query verify reads), read to the end and thrown away.
/// </summary>
public static class VerifyBenchmark
{
    public static async Task<VerifyFigures> MeasureAsync(BenchDatabase database)
    {
        Console.WriteLine();
        Console.WriteLine($"verify over the whole store, beside binary COPY OUT of the same rows   [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
        var caughtUp = await ChainLag.CatchUpAsync(database, TimeSpan.FromMinutes(10));
        Console.WriteLine($"  chain caught up with the store after {caughtUp.TotalSeconds:F1} s");
        var tables = new AuditDatabase();
        await using var source = NpgsqlDataSource.Create(database.ConnectionString);

        var cpu = Load.Meter?.Take();
        var clock = Stopwatch.StartNew();
        var report = await tables.VerifyAsync(source, new VerifyOptions());
        var verify = clock.Elapsed;
        Console.WriteLine($"  verify: {report.Links:N0} links in {verify.TotalSeconds:F1} s = {report.Links / verify.TotalSeconds:N0} events/s" +
                          $"{(cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())})")}: {report.Summary()}");

        cpu = Load.Meter?.Take();
        clock.Restart();
        long bytes = 0;
        await using (var connection = await source.OpenConnectionAsync())
        await using (var copy = await connection.BeginRawBinaryCopyAsync(
                         $"copy (select {AuditDatabase.ChainColumns}, {AuditDatabase.EventColumns} from {tables.Schema}.audit_chain c " +
                         $"left join {tables.Schema}.mt_events e on e.seq_id = c.seq_id order by c.position) to stdout (format binary)"))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await copy.ReadAsync(buffer.AsMemory(), CancellationToken.None)) > 0)
            {
                bytes += read;
            }
        }

        var copied = clock.Elapsed;
        Console.WriteLine($"  binary COPY OUT of the same rows: {bytes / (1 << 20):N0} MiB in {copied.TotalSeconds:F1} s = {report.Links / copied.TotalSeconds:N0} events/s" +
                          $"{(cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())})")}");
        return new VerifyFigures(report.Links, verify, copied, report.Summary());
    }
}

public sealed record VerifyFigures(long Events, TimeSpan Verify, TimeSpan Copy, string Outcome)
{
    public double VerifyPerSecond => Events / Verify.TotalSeconds;

    public double CopyPerSecond => Events / Copy.TotalSeconds;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Events:N0} events");
}
