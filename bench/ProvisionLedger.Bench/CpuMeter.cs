using System.Diagnostics;
using System.Globalization;

namespace ProvisionLedger.Bench;

/// <summary>
/// CPU seconds spent during a phase: by this process (the service and its clients), by the run's PostgreSQL (the
/// postmaster and its children), and by the whole machine, from /proc. On a shared machine the rest is other work,
/// and the figures are only as good as that share is small.
/// </summary>
public sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux.
    private readonly int? _postmaster;

    public CpuMeter(string pgData)
    {
        var pidFile = Path.Combine(pgData, "postmaster.pid");
        _postmaster = File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid) ? pid : null;
    }

    public Sample Take() => new(
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, PostgresSeconds(), MachineSeconds(), Stopwatch.GetTimestamp());

    public static string Describe(Sample from, Sample to)
    {
        var wall = Stopwatch.GetElapsedTime(from.At, to.At).TotalSeconds;
        var self = to.Self - from.Self;
        var pg = to.Postgres - from.Postgres;
        var machine = to.Machine - from.Machine;
        var other = Math.Max(0, machine - self - pg);
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU s: service+clients {self:F0}, postgres {pg:F0}, other processes {other:F0} of {Environment.ProcessorCount * wall:F0} available");
    }

    private static double MachineSeconds()
    {
        try
        {
            var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
            var values = cpu.Skip(1).Take(8).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            return (values.Sum() - values[3] - values[4]) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private double PostgresSeconds()
    {
        if (_postmaster is not { } postmaster)
        {
            return 0;
        }

        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                // utime and stime of the postmaster and its live backends, and the postmaster's cutime and cstime: what its
                // ended backends used, so a backend that ends during a phase does not take its CPU with it.
                if (pid == postmaster || parent == postmaster)
                {
                    total += (Field(fields, 11) + Field(fields, 12)) / TicksPerSecond;
                }

                if (pid == postmaster)
                {
                    total += (Field(fields, 13) + Field(fields, 14)) / TicksPerSecond;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while being read.
            }
        }

        return total;
    }

    private static double Field(string[] fields, int index) => double.Parse(fields[index], CultureInfo.InvariantCulture);

    public sealed record Sample(double Self, double Postgres, double Machine, long At);
}
