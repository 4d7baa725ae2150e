using System.Diagnostics;
using System.Globalization;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Bench.Chain;

/// <summary>
/// The command-line tool's memory on a large store: <c>export</c> of every event and <c>verify-bundle</c> of the result,
/// each run as its own process (the built <c>provision-ledger.dll</c>), its peak resident set read by
/// <c>/usr/bin/time</c> when installed, else from <c>VmHWM</c> in <c>/proc/&lt;pid&gt;/status</c> while it runs.
/// </summary>
public static class ExportMemory
{
    public static async Task<int> RunAsync(Server cluster, int events, string folder)
    {
        Directory.CreateDirectory(folder);
        Console.WriteLine($"# Command-line export and verify-bundle memory ({Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        Console.WriteLine();
        await using var db = await LedgerDatabase.CreateAsync(cluster, "chain_export", chained: true);
        await db.AppendAsync(1, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        await db.BulkInsertAsync(events);
        await using (var vacuum = db.DataSource.CreateCommand("vacuum analyze"))
        {
            vacuum.CommandTimeout = 0;
            await vacuum.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"- store filled: {events:N0} events by SQL with the chain trigger, {clock.Elapsed.TotalSeconds:0} s");

        using var signer = new CheckpointSigner(NewKey());
        await using (var connection = await db.DataSource.OpenConnectionAsync())
        {
            var head = await db.Tables.HeadAsync(connection);
            var frontier = new MerkleFrontier();
            foreach (var leaf in await db.Tables.LeavesAsync(connection, 0, head.Position))
            {
                frontier.Add(leaf);
            }

            await db.Tables.InsertCheckpointAsync(connection, signer.Sign(head.Position, head.LastSeqId, head.Link, frontier.Root(), DateTimeOffset.UtcNow));

            // As the service does after signing: the block hashes export cuts its paths from.
            await db.Tables.BlockHashesAsync(connection, head.Position);
            Console.WriteLine($"- checkpoint signed over {head.Position:N0} chained events, Merkle block hashes cached");
        }

        var bundle = Path.Combine(folder, "bundle.json");
        var export = await RunCliAsync("export", "--connection", cluster.ConnectionString("chain_export"), "--out", bundle);
        var size = new FileInfo(bundle).Length;
        Console.WriteLine($"- `export` of the whole store: exit {export.Exit}, {export.Elapsed.TotalSeconds:0.0} s, bundle {size / 1e6:0.0} MB, " +
                          $"**peak RSS {export.PeakKb / 1024.0:0.0} MB** ({export.Method})");
        Console.WriteLine($"  {export.Output.Trim()}");
        var verify = await RunCliAsync("verify-bundle", bundle);
        Console.WriteLine($"- `verify-bundle` of that bundle: exit {verify.Exit}, {verify.Elapsed.TotalSeconds:0.0} s, " +
                          $"**peak RSS {verify.PeakKb / 1024.0:0.0} MB** ({verify.Method})");
        Console.WriteLine($"  {verify.Output.Trim().Split('\n')[0]}");
        File.Delete(bundle);
        if (!Directory.EnumerateFileSystemEntries(folder).Any())
        {
            Directory.Delete(folder);
        }

        return export.Exit == 0 && verify.Exit == 0 ? 0 : 1;
    }

    private static async Task<(int Exit, TimeSpan Elapsed, long PeakKb, string Method, string Output)> RunCliAsync(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "provision-ledger.dll");
        var timeOutput = Path.GetTempFileName();
        var useTime = File.Exists("/usr/bin/time");
        var start = new ProcessStartInfo(useTime ? "/usr/bin/time" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (useTime)
        {
            foreach (var a in new[] { "-f", "%M", "-o", timeOutput, "dotnet" })
            {
                start.ArgumentList.Add(a);
            }
        }

        start.ArgumentList.Add(program);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long polled = 0;
        while (!process.HasExited)
        {
            polled = Math.Max(polled, HighWaterMarkKb(process.Id));
            await Task.Delay(20);
        }

        await process.WaitForExitAsync();
        var elapsed = clock.Elapsed;
        var output = await stdout + await stderr;
        long peak;
        string method;
        if (useTime && long.TryParse((await File.ReadAllTextAsync(timeOutput)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var measured))
        {
            (peak, method) = (measured, "/usr/bin/time maximum resident set size");
        }
        else
        {
            (peak, method) = (polled, "VmHWM polled every 20 ms");
        }

        File.Delete(timeOutput);
        return (process.ExitCode, elapsed, peak, method, output);
    }

    /// <summary>The process's peak resident set so far, in kB (0 once it has gone).</summary>
    private static long HighWaterMarkKb(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string NewKey()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
