using System.CommandLine;
using System.Globalization;
using Marten;
using Npgsql;
using ProvisionLedger.Api.Auditing.Retention;
using ProvisionLedger.Api.Auditing.Sealing;
using ProvisionLedger.Integrity;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Cli.Output;

namespace ProvisionLedger.Cli.Commands;

/// <summary><c>archive</c>: the 7-year retention policy. Streams are archived (recorded, never deleted); the chain still verifies.</summary>
public static class ArchiveCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = CommonOptions.Connection();
        var before = CommonOptions.JstStart("--before", "Archive streams whose last event was recorded before this moment");
        var by = new Option<string?>("--by") { Description = "Who runs the archive (recorded as operator:<by>; default: the OS user)" };
        var sealKey = new Option<FileInfo?>("--seal-key-file")
        {
            Description = "The service's seal key (private PEM) that seals the run's StreamsArchived event; default: the environment's " +
                          "Ledger__Audit__SealKeyPem or Ledger__Audit__SigningKeyPem. Without one the event is unsealed and verify reports it",
        };
        var command = new Command("archive", "Archive streams older than the 7-year retention period (recorded, never deleted).")
        {
            connection, before, by, sealKey,
        };
        command.SetAction(async (parse, ct) =>
        {
            var cutoff = parse.GetRequiredValue(before);
            var latest = RetentionPolicy.LatestCutoff(DateTimeOffset.UtcNow);
            if (cutoff > latest)
            {
                throw new CliException(
                    $"--before {Jst.Date(cutoff)}: records are kept {RetentionPolicy.RetentionYears} years, so the cut-off may not be later than {Jst.Date(latest)} (Japan time)");
            }

            var cs = parse.GetRequiredValue(connection);
            await EnsureLedgerAsync(cs, ct);
            var operatorName = $"operator:{parse.GetValue(by) ?? Environment.UserName}";
            var sealPem = parse.GetValue(sealKey) is { } file ? await File.ReadAllTextAsync(file.FullName, ct)
                : Environment.GetEnvironmentVariable("Ledger__Audit__SealKeyPem") ?? Environment.GetEnvironmentVariable("Ledger__Audit__SigningKeyPem");
            using var sealer = sealPem is null
                ? throw new CliException("archive seals the StreamsArchived event it records: give --seal-key-file, or set Ledger__Audit__SealKeyPem " +
                                         "or Ledger__Audit__SigningKeyPem as the service has them")
                : new SealSigner(sealPem);
            await using var store = DocumentStore.For(o =>
            {
                LedgerFeatures.ConfigureStore(o, cs);
                EventSealing.Use(o, sealer, TimeProvider.System);
            });
            var runs = new List<StreamsArchived>();
            var total = await console.WithProgressAsync("archive", "streams", async progress =>
            {
                progress.SetTotal(await RetentionPolicy.CountArchivableAsync(store, cutoff, ct));
                var archived = 0;
                while (await RetentionPolicy.ArchiveAsync(store, cutoff, operatorName, TimeProvider.System, ct: ct) is { } run)
                {
                    runs.Add(run);
                    archived += run.StreamIds.Length;
                    progress.Report(archived);
                }

                return archived;
            });

            foreach (var run in runs)
            {
                await console.Out.WriteLineAsync(
                    $"run {run.RunId}: archived {run.StreamIds.Length} stream(s), recorded in stream {RetentionPolicy.StreamPrefix}{run.RunId}");
            }

            var at = cutoff.ToOffset(Jst.Offset).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
            await console.Out.WriteLineAsync(total == 0
                ? $"nothing to archive: no stream's last event was recorded before {at} (Japan time)"
                : $"archived {total} stream(s) whose last event was recorded before {at} (Japan time)");
            return ExitCodes.Intact;
        });
        return command;
    }

    /// <summary>The ledger's event tables must exist: archiving never creates a schema in a database that is not the ledger's.</summary>
    private static async Task EnsureLedgerAsync(string connectionString, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand($"select to_regclass('{LedgerStore.Schema}.mt_streams') is not null");
        if (await command.ExecuteScalarAsync(ct) is not true)
        {
            throw new CliException($"the database has no ledger ({LedgerStore.Schema}.mt_streams does not exist): is --connection the ledger's database?");
        }
    }
}
