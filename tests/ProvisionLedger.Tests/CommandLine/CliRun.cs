using System.Diagnostics;
using ProvisionLedger.Cli;

namespace ProvisionLedger.Tests.CommandLine;

/// <summary>What a CLI run left: its exit code and the two streams apart, since results and errors go to different ones.</summary>
public sealed record CliRun(int Exit, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The entry point in process, with captured output (not a terminal, so progress is plain lines).</summary>
    public static async Task<CliRun> InProcessAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return new CliRun(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built program as its own process, as a shell or a cron job runs it: its real exit code.</summary>
    public static async Task<CliRun> ProcessAsync(params string[] args)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "provision-ledger.dll");
        File.Exists(program).Should().BeTrue($"the CLI is built beside the tests ({program})");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>An error as the CLI promises it: exit 2 and exactly one line on standard error, no stack trace.</summary>
    public void ShouldBeOneLineError(string containing)
    {
        Exit.Should().Be(2, $"stdout: {Out} stderr: {Error}");
        ErrorLines.Should().ContainSingle().Which.Should().StartWith("error: ").And.Contain(containing);
        Error.Should().NotContain("   at ").And.NotContain("Unhandled exception");
    }
}
