using System.CommandLine;
using Npgsql;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Cli.Commands;

/// <summary>
/// <c>verify</c>: recompute the audit chain over the whole store and check every checkpoint and seal, and that the store
/// still extends each checkpoint the auditor kept from earlier.
/// </summary>
public static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = CommonOptions.Connection();
        var publicKey = CommonOptions.PublicKey();
        var schema = CommonOptions.Schema();
        var oldKeys = new Option<FileInfo[]>("--old-key")
        {
            Description = "A checkpoint key used before a rotation (PEM; repeatable): checkpoints are checked with the key of their key id",
        };
        var sealKeys = new Option<FileInfo[]>("--seal-key")
        {
            Description = "The published seal key (PEM; repeatable); pins the seal keys. Default: the keys the service registered in the " +
                          "database and the checkpoint keys given (the checkpoint key seals unless a seal key is set)",
        };
        var trustedCheckpoints = new Option<FileInfo[]>("--trusted-checkpoint")
        {
            Description = "A checkpoint kept from earlier (the JSON of GET /api/v1/audit/checkpoints/{id}, or its signed note; repeatable): " +
                          "the store must extend it, or verify fails naming its size",
        };
        var command = new Command("verify",
            "Recompute the audit chain over the whole store and check every checkpoint and seal. Exit 0 intact, 1 not intact, 2 error.")
        {
            connection, publicKey, oldKeys, sealKeys, trustedCheckpoints, schema,
        };
        command.SetAction(async (parse, ct) =>
        {
            var trusted = CommonOptions.ReadPublicKey(parse.GetValue(publicKey));
            var checkpointKeys = (trusted is null ? [] : new List<string> { trusted })
                .Concat((parse.GetValue(oldKeys) ?? []).Select(CommonOptions.ReadPublicKey).OfType<string>()).ToList();
            var seals = (parse.GetValue(sealKeys) ?? []).Select(CommonOptions.ReadPublicKey).OfType<string>().ToList();
            var kept = (parse.GetValue(trustedCheckpoints) ?? []).Select(file => ReadTrusted(file, checkpointKeys)).ToList();
            await using var dataSource = NpgsqlDataSource.Create(parse.GetRequiredValue(connection));
            var tables = new AuditDatabase(parse.GetRequiredValue(schema));
            var report = await console.WithProgressAsync("verify", "events", progress => tables.VerifyAsync(dataSource, new VerifyOptions
            {
                TrustedCheckpointKeys = checkpointKeys,
                TrustedSealKeys = seals.Count > 0 ? seals : null,
                TrustedCheckpoints = kept,
                Progress = progress,
            }, ct));
            return await Reports.PrintAsync(console, report, trusted);
        });
        return command;
    }

    private static TrustedCheckpoint ReadTrusted(FileInfo file, IReadOnlyList<string> keys)
    {
        try
        {
            return TrustedCheckpoint.Parse(File.ReadAllText(file.FullName), file.Name, keys);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliException($"--trusted-checkpoint {file.Name}: {e.Message}");
        }
    }
}
