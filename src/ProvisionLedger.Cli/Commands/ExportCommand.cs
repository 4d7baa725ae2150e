using System.CommandLine;
using Npgsql;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity.Bundles;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Cli.Commands;

/// <summary><c>export</c>: an audit bundle (docs/audit-bundle.md) proven against the latest checkpoint.</summary>
public static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = CommonOptions.Connection();
        var output = new Option<FileInfo>("--out") { Description = "The bundle file to write", Required = true };
        var from = CommonOptions.WholeNumber("--from", "First Marten seq id to export");
        var to = CommonOptions.WholeNumber("--to", "Last Marten seq id to export");
        var stream = new Option<string?>("--stream") { Description = "Export one stream's events only" };
        var schema = CommonOptions.Schema();
        var command = new Command("export", "Write an audit bundle to verify offline, proven against the latest checkpoint.")
        {
            connection, output, from, to, stream, schema,
        };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetRequiredValue(output);
            if (file.Directory is { Exists: false } folder)
            {
                throw new CliException($"--out: the folder {folder.FullName} does not exist");
            }

            var selection = new BundleSelection(parse.GetValue(from), parse.GetValue(to), parse.GetValue(stream));
            await using var dataSource = NpgsqlDataSource.Create(parse.GetRequiredValue(connection));
            var tables = new AuditDatabase(parse.GetRequiredValue(schema));

            // Written beside the target and renamed at the end, so a failed export leaves no half bundle behind.
            var partial = $"{file.FullName}.partial";
            ExportResult result;
            try
            {
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    result = await console.WithProgressAsync("export", "events",
                        progress => BundleExporter.ExportAsync(dataSource, tables, selection, stream, TimeProvider.System, progress, ct));
                }

                File.Move(partial, file.FullName, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            var checkpoint = result.Checkpoint;
            await console.Out.WriteLineAsync(
                $"exported {result.Exported} event(s) proven against checkpoint {checkpoint.Id} " +
                $"(sequence {checkpoint.Sequence}, key id {checkpoint.KeyId}) to {file.FullName}");
            if (result.LeftOutNewerThanCheckpoint > 0)
            {
                await console.Out.WriteLineAsync(
                    $"left out {result.LeftOutNewerThanCheckpoint} matching event(s) newer than that checkpoint: make a checkpoint and export again to include them");
            }

            return ExitCodes.Intact;
        });
        return command;
    }
}
