using System.CommandLine;
using System.CommandLine.Invocation;
using Npgsql;
using ProvisionLedger.Cli.Commands;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity.Bundles;

namespace ProvisionLedger.Cli;

/// <summary>
/// The operators' and auditors' commands, one file each in <c>Commands/</c>. Exit codes: 0 done or intact, 1 not intact,
/// 2 a usage error or a failure, always with one line on standard error, never a stack trace.
/// </summary>
public static class CliApp
{
    public const string Name = "provision-ledger";

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, new CliConsole(stdout, stderr, interactive: false));

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct = default)
    {
        var root = new RootCommand("ProvisionLedger's command line: verify the audit chain, export and verify audit bundles, archive, issue tokens, import 一括照会 files, witness checkpoints, rebuild the read models.")
        {
            VerifyCommand.Create(console),
            ExportCommand.Create(console),
            VerifyBundleCommand.Create(console),
            ArchiveCommand.Create(console),
            TokenCommand.Create(console),
            ImportCommand.Create(console),
            WitnessCommand.Create(console),
            RebuildCommand.Create(console),
        };
        root.HelpName = Name;

        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            console.WriteError(ParseErrors.Describe(parse));
            return ExitCodes.Failure;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Exception e)
        {
            console.WriteError(Describe(e));
            return ExitCodes.Failure;
        }
    }

    /// <summary>What went wrong, in a line an operator can act on.</summary>
    private static string Describe(Exception e)
    {
        // Marten wraps the driver's exceptions: the innermost database error says what happened.
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case PostgresException { SqlState: PostgresErrorCodes.UndefinedTable } missing:
                    return $"{missing.MessageText}: is --connection the ledger's database, and --schema its schema?";
                case PostgresException postgres:
                    return $"the database refused: {postgres.MessageText} ({postgres.SqlState})";
                case NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException } unreachable:
                    return $"the database could not be reached: {unreachable.Message}";
                case NpgsqlException npgsql:
                    return $"database error: {npgsql.Message}";
            }
        }

        return e switch
        {
            OperationCanceledException => "cancelled",
            CliException or InvalidBundleException or InvalidOperationException or ArgumentException or IOException or UnauthorizedAccessException => e.Message,

            // Not a failure anyone planned for: its type helps whoever reads the bug report.
            _ => $"{e.Message} ({e.GetType().Name})",
        };
    }
}

public static class ExitCodes
{
    public const int Intact = 0;
    public const int NotIntact = 1;
    public const int Failure = 2;
}

/// <summary>A failure the user can act on; its message is the whole error line.</summary>
public sealed class CliException(string message) : Exception(message);
