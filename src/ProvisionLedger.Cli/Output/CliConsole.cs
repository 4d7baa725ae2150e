using Spectre.Console;

namespace ProvisionLedger.Cli.Output;

/// <summary>
/// Where a command writes: results on <see cref="Out"/>, progress and errors on <see cref="Error"/>, so the results stay
/// readable by scripts. Progress is a live Spectre.Console bar when standard error is a terminal, plain periodic lines
/// when it is not (a pipe, a log file, CI, a test).
/// </summary>
public sealed class CliConsole(TextWriter output, TextWriter error, bool interactive)
{
    /// <summary>How often the plain progress lines are written when standard error is not a terminal.</summary>
    public static readonly TimeSpan PlainProgressInterval = TimeSpan.FromSeconds(5);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public bool Interactive { get; } = interactive;

    public static CliConsole ForProcess() => new(Console.Out, Console.Error, !Console.IsErrorRedirected);

    /// <summary>Runs <paramref name="work"/> while showing how far it is, its rate and the time left.</summary>
    /// <param name="what">What is being done, e.g. "verify".</param>
    /// <param name="unit">What is counted, plural, e.g. "events".</param>
    public async Task<T> WithProgressAsync<T>(string what, string unit, Func<WorkProgress, Task<T>> work)
    {
        if (!Interactive)
        {
            var plain = new PlainProgress(Error, what, unit, PlainProgressInterval);
            var result = await work(plain);
            plain.Finish();
            return result;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn(),
                new ProgressBarColumn(),
                new PercentageColumn(),
                new CountColumn(),
                new RateColumn(unit),
                new RemainingTimeColumn(),
                new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var live = new LiveProgress(context.AddTask(what, autoStart: true));
                var result = await work(live);
                live.Finish();
                return result;
            });
    }

    /// <summary>A one-line error on standard error: the user's mistake or what failed, never a stack trace.</summary>
    public void WriteError(string message) =>
        Error.WriteLine($"error: {string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
}
