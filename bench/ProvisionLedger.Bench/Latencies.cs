using System.Diagnostics;
using System.Globalization;

namespace ProvisionLedger.Bench;

/// <summary>Per-kind request latencies of one measured phase, recorded from several clients.</summary>
public sealed class Latencies
{
    private readonly Dictionary<string, List<long>> _byKind = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(string kind, long startTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        lock (_lock)
        {
            if (!_byKind.TryGetValue(kind, out var list))
            {
                _byKind[kind] = list = new List<long>(1024);
            }

            list.Add(elapsed);
        }
    }

    public async Task<T> TimeAsync<T>(string kind, Func<Task<T>> work)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await work();
        Add(kind, start);
        return result;
    }

    public const string AllKinds = "all requests";

    public Summary Of(string kind)
    {
        lock (_lock)
        {
            return kind == AllKinds
                ? Summary.From(kind, _byKind.Values.SelectMany(x => x).ToList())
                : Summary.From(kind, _byKind.TryGetValue(kind, out var list) ? list : []);
        }
    }

    /// <summary>Every kind, and all requests together.</summary>
    public IReadOnlyList<Summary> All()
    {
        lock (_lock)
        {
            var kinds = _byKind.Select(k => Summary.From(k.Key, k.Value)).ToList();
            if (_byKind.Count > 1)
            {
                kinds.Add(Summary.From(AllKinds, _byKind.Values.SelectMany(x => x).ToList()));
            }

            return kinds;
        }
    }
}

public sealed record Summary(string Kind, int Count, double Mean, double P50, double P90, double P99, double Max)
{
    public static Summary From(string kind, IReadOnlyCollection<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new Summary(kind, 0, 0, 0, 0, 0, 0);
        }

        var ms = ticks.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        double At(double q) => ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(q * ms.Length) - 1)];
        return new Summary(kind, ms.Length, ms.Average(), At(0.50), At(0.90), At(0.99), ms[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Kind,-28} n={Count,7:N0}  mean {Mean,7:F2} ms  p50 {P50,7:F2} ms  p90 {P90,7:F2} ms  p99 {P99,7:F2} ms  max {Max,8:F2} ms");
}
