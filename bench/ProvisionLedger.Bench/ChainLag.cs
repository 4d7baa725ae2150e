using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Auditing.Chaining;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Bench;

/// <summary>
/// How far the audit chain trails the writes while a phase runs (issue 9: integration off the commit path, lag under 1 s).
/// Every 250 ms it asks the database for the age of the oldest event not chained yet and how many events wait (the same
/// measure as the integrator's <see cref="ChainIntegrationStatus.Lag"/>, gauge <c>ledger.chain.lag.age</c>, and the
/// health check's <c>ledger.chain.lag</c>, but taken from outside, so a stalled integrator shows too), and reads the
/// integrator's own figure. At the end: the integrator's events/s over the phase.
/// </summary>
public sealed class ChainLag : IAsyncDisposable
{
    private readonly BenchDatabase _database;
    private readonly ChainIntegrationStatus _status;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<double> _ages = [];
    private readonly List<double> _integratorAges = [];
    private readonly List<long> _waiting = [];
    private readonly long _integratedBefore;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;

    private ChainLag(BenchDatabase database, ChainIntegrationStatus status)
    {
        _database = database;
        _status = status;
        _integratedBefore = status.Integrated;
        _loop = Task.Run(SampleAsync);
    }

    public static ChainLag Start(BenchDatabase database, LedgerHost host) =>
        new(database, host.Services.GetRequiredService<ChainIntegrationStatus>());

    /// <summary>Waits until the chain holds every committed event (or <paramref name="limit"/> passes); returns how long it took.</summary>
    public static async Task<TimeSpan> CatchUpAsync(BenchDatabase database, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit && await database.ScalarAsync<long>(WaitingSql) > 0)
        {
            await Task.Delay(100);
        }

        return clock.Elapsed;
    }

    private static readonly string WaitingSql =
        $"select count(*) from {LedgerStore.Schema}.mt_events e where e.seq_id > (select coalesce(max(seq_id), 0) from {LedgerStore.Schema}.audit_chain)";

    private static readonly string AgeSql =
        $"select coalesce(extract(epoch from clock_timestamp() - min(e.timestamp))::float8, 0), count(*) from {LedgerStore.Schema}.mt_events e " +
        $"where e.seq_id > (select coalesce(max(seq_id), 0) from {LedgerStore.Schema}.audit_chain)";

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var row = (await _database.RowsAsync(AgeSql))[0];
                lock (_ages)
                {
                    _ages.Add(double.Parse(row[0], CultureInfo.InvariantCulture));
                    _waiting.Add(long.Parse(row[1], CultureInfo.InvariantCulture));
                    if (_status.Lag is { } lag)
                    {
                        _integratorAges.Add(lag.TotalSeconds);
                    }
                }

                await Task.Delay(250, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Npgsql.NpgsqlException)
            {
                // A sample lost under load is one sample fewer, not a failed phase.
            }
        }
    }

    /// <summary>Stops sampling and sums up the phase.</summary>
    public async Task<ChainLagFigures> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        lock (_ages)
        {
            var integrated = _status.Integrated - _integratedBefore;
            return new ChainLagFigures(
                _ages.Count, Percentile(_ages, 0.99), _ages.Count == 0 ? 0 : _ages.Max(), Percentile(_integratorAges, 0.99),
                _integratorAges.Count == 0 ? 0 : _integratorAges.Max(), _waiting.Count == 0 ? 0 : _waiting.Max(),
                integrated, integrated / _clock.Elapsed.TotalSeconds, _status.EventsPerSecond);
        }
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}

/// <param name="Samples">Samples taken (every 250 ms).</param>
/// <param name="P99Seconds">Age of the oldest unchained event, p99 over the samples (measured from outside).</param>
/// <param name="MaxSeconds">The same, the largest sample.</param>
/// <param name="IntegratorP99Seconds">The integrator's own <c>ChainIntegrationStatus.Lag</c> (gauge ledger.chain.lag.age), p99.</param>
/// <param name="MaxWaiting">The most events waiting to be chained in one sample.</param>
/// <param name="Integrated">Events the integrator chained during the phase.</param>
/// <param name="PerSecond">Those events per second of the phase (it keeps up: the write rate in events).</param>
/// <param name="BusyPerSecond">The integrator's own rate: events per second of integration work, since the start.</param>
public sealed record ChainLagFigures(
    int Samples, double P99Seconds, double MaxSeconds, double IntegratorP99Seconds, double IntegratorMaxSeconds, long MaxWaiting,
    long Integrated, double PerSecond, double BusyPerSecond)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"chain integration lag (age of the oldest unchained event, {Samples} samples): p99 {P99Seconds * 1000:F0} ms, max {MaxSeconds * 1000:F0} ms, " +
        $"most waiting {MaxWaiting:N0} events; integrator's own gauge (ledger.chain.lag.age) p99 {IntegratorP99Seconds * 1000:F0} ms, max {IntegratorMaxSeconds * 1000:F0} ms; " +
        $"integrated {Integrated:N0} events = {PerSecond:N0}/s of the phase, {BusyPerSecond:N0}/s of integration work");
}
