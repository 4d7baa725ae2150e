using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using ProvisionLedger.Integrity.Verification;
using Spectre.Console.Rendering;

namespace ProvisionLedger.Cli.Output;

/// <summary>How far a long command is. Safe to call from any thread; cheap enough to call for every item.</summary>
public abstract class WorkProgress : IChainProgress
{
    /// <summary>The expected number of items, when known (the bar and the time left need it).</summary>
    public abstract void SetTotal(long total);

    /// <summary>How many items are done so far.</summary>
    public abstract void Report(long done);
}

/// <summary>Spectre.Console's live bar, with the item count, the rate and the time left.</summary>
internal sealed class LiveProgress(ProgressTask task) : WorkProgress
{
    public override void SetTotal(long total)
    {
        task.IsIndeterminate = false;
        task.MaxValue = Math.Max(total, 1);
    }

    public override void Report(long done) => task.Value = Math.Min(done, task.MaxValue);

    public void Finish()
    {
        task.Value = task.MaxValue;
        task.StopTask();
    }
}

/// <summary>For logs and pipes: a line every few seconds, and one with the totals when the work is done (none if it fails).</summary>
internal sealed class PlainProgress(TextWriter error, string what, string unit, TimeSpan interval) : WorkProgress
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine;
    private TimeSpan? _windowStart;
    private long _windowDone;
    private long _total = -1;
    private long _done;

    public override void SetTotal(long total)
    {
        lock (_lock)
        {
            _total = total;
        }
    }

    public override void Report(long done)
    {
        lock (_lock)
        {
            _done = done;
            var now = _clock.Elapsed;

            // The rate since the last line (or since the first item), not since the start: the set-up before the first
            // item (queries, a cold start) would make the time left look far longer than it is.
            if (_windowStart is null)
            {
                (_windowStart, _windowDone) = (now, done);
                return;
            }

            if (now - _lastLine < interval)
            {
                return;
            }

            var rate = (done - _windowDone) / Math.Max((now - _windowStart.Value).TotalSeconds, 0.001);
            (_lastLine, _windowStart, _windowDone) = (now, now, done);
            var line = $"{what}: {Count(done)}";
            if (_total > 0)
            {
                line += $" of {Count(_total)} {unit} ({(100.0 * done / _total).ToString("0.0", CultureInfo.InvariantCulture)} %)";
                line += rate > 0 ? $", {Count((long)rate)} {unit}/s, about {Duration(TimeSpan.FromSeconds((_total - done) / rate))} left" : "";
            }
            else
            {
                line += $" {unit}, {Count((long)rate)} {unit}/s";
            }

            error.WriteLine(line);
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            var elapsed = _clock.Elapsed;
            error.WriteLine($"{what}: {Count(_done)} {unit} in {Duration(elapsed)} ({Count((long)(_done / Math.Max(elapsed.TotalSeconds, 0.001)))} {unit}/s)");
        }
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Duration(TimeSpan t) =>
        t.TotalSeconds < 60 ? $"{t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"
        : t.TotalMinutes < 60 ? $"{(int)t.TotalMinutes} min {t.Seconds} s"
        : $"{(int)t.TotalHours} h {t.Minutes} min";
}

/// <summary>"120,000/1,000,000" (the rate beside it names the unit).</summary>
internal sealed class CountColumn : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text($"{task.Value.ToString("N0", CultureInfo.InvariantCulture)}/{task.MaxValue.ToString("N0", CultureInfo.InvariantCulture)}");
}

/// <summary>Items per second, from Spectre's own speed estimate.</summary>
internal sealed class RateColumn(string unit) : ProgressColumn
{
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
        new Text(task.Speed is { } speed ? $"{speed.ToString("N0", CultureInfo.InvariantCulture)} {unit}/s" : $"- {unit}/s", new Style(Color.Grey));
}
