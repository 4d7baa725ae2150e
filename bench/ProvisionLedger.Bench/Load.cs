using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ProvisionLedger.Bench;

/// <summary>What one measured phase did: how many units of work in how long, and how many failed.</summary>
public sealed record PhaseResult(string Name, int Units, double Seconds, int Failures, IReadOnlyList<string> FailureSamples, string Cpu)
{
    public double PerSecond => Units / Seconds;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Units:N0} in {Seconds:F1} s = {PerSecond:N0}/s{(Failures > 0 ? $", {Failures} FAILED" : "")} ({Cpu})");
}

/// <summary>Runs units of work from a fixed number of concurrent clients, each taking the next unit when it is done.</summary>
public static class Load
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly ConcurrentDictionary<int, long> SinceLastPrint = new();
    private static readonly ConcurrentDictionary<int, long> WholeRun = new();

    /// <summary>Counts one HTTP answer by its status, for the phase's line and the run's total (no answer may be a 5xx).</summary>
    public static void Count(HttpStatusCode status)
    {
        SinceLastPrint.AddOrUpdate((int)status, 1, (_, n) => n + 1);
        WholeRun.AddOrUpdate((int)status, 1, (_, n) => n + 1);
    }

    /// <summary>"answers by status: 200 × 1,000, 201 × 2,000 (5xx: 0)" since the last call, or null when no HTTP answer came.</summary>
    public static string? TakeStatuses()
    {
        var counts = new SortedDictionary<int, long>();
        foreach (var status in SinceLastPrint.Keys)
        {
            if (SinceLastPrint.TryRemove(status, out var n))
            {
                counts[status] = n;
            }
        }

        return counts.Count == 0 ? null : Describe(counts);
    }

    public static long WholeRunFiveHundreds() => WholeRun.Where(c => c.Key >= 500).Sum(c => c.Value);

    public static string WholeRunStatuses() => Describe(new SortedDictionary<int, long>(WholeRun));

    private static string Describe(SortedDictionary<int, long> counts) => string.Create(CultureInfo.InvariantCulture,
        $"answers by status: {string.Join(", ", counts.Select(c => $"{c.Key} × {c.Value:N0}"))} (5xx: {counts.Where(c => c.Key >= 500).Sum(c => c.Value):N0})");

    /// <summary>Prints the answers counted since the last print, when there were any.</summary>
    public static void PrintStatuses(string indent = "    ")
    {
        if (TakeStatuses() is { } statuses)
        {
            Console.WriteLine(indent + statuses);
        }
    }

    /// <summary>Set once the run's PostgreSQL is up: every phase then says where the CPU went.</summary>
    public static CpuMeter? Meter { get; set; }

    public static async Task<PhaseResult> RunAsync(string name, int units, int clients, Func<int, Task> work)
    {
        var next = -1;
        var failures = 0;
        var samples = new List<string>();
        var cpu = Meter?.Take();
        var clock = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, Math.Min(clients, Math.Max(units, 1))).Select(_ => Task.Run(async () =>
        {
            int unit;
            while ((unit = Interlocked.Increment(ref next)) < units)
            {
                try
                {
                    await work(unit);
                }
                catch (Exception e) when (e is HttpRequestException or BenchException or InvalidOperationException or TaskCanceledException
                                              or Npgsql.NpgsqlException or Marten.Exceptions.MartenCommandException)
                {
                    Interlocked.Increment(ref failures);
                    lock (samples)
                    {
                        if (samples.Count < 5)
                        {
                            samples.Add(e.Message.Length > 600 ? e.Message[..600] : e.Message);
                        }
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        clock.Stop();
        return new PhaseResult(name, units, clock.Elapsed.TotalSeconds, failures, samples, cpu is null ? "" : CpuMeter.Describe(cpu, Meter!.Take()));
    }

    /// <summary>Sends one JSON request and reads the whole answer, as a client would; a status outside <paramref name="expected"/> throws.</summary>
    public static async Task<byte[]> SendAsync(
        HttpClient client, HttpMethod method, string path, object? body, string token, params HttpStatusCode[] expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await client.SendAsync(request);
        Count(response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        if (!expected.Contains(response.StatusCode))
        {
            throw new BenchException($"{method} {path} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
        }

        return bytes;
    }

    public static void Print(PhaseResult result, Latencies? latencies = null)
    {
        Console.WriteLine("  " + result);
        foreach (var sample in result.FailureSamples)
        {
            Console.WriteLine("    failure: " + sample);
        }

        foreach (var summary in latencies?.All() ?? [])
        {
            Console.WriteLine("    " + summary);
        }

        PrintStatuses();
    }
}

public sealed class BenchException : Exception
{
    public BenchException()
    {
    }

    public BenchException(string message) : base(message)
    {
    }

    public BenchException(string message, Exception inner) : base(message, inner)
    {
    }
}
