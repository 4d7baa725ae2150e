using System.CommandLine;
using Npgsql;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Cli.Commands;

/// <summary><c>verify</c>: recompute the audit chain over the whole store and check every checkpoint.</summary>
public static class VerifyCommand
{
    public static Command Create(CliConsole console)
    {
        var connection = CommonOptions.Connection();
        var publicKey = CommonOptions.PublicKey();
        var schema = CommonOptions.Schema();
        var command = new Command("verify", "Recompute the audit chain over the whole store and check every checkpoint. Exit 0 intact, 1 not intact, 2 error.")
        {
            connection, publicKey, schema,
        };
        command.SetAction(async (parse, ct) =>
        {
            var trusted = CommonOptions.ReadPublicKey(parse.GetValue(publicKey));
            await using var dataSource = NpgsqlDataSource.Create(parse.GetRequiredValue(connection));
            var tables = new AuditDatabase(parse.GetRequiredValue(schema));
            var report = await console.WithProgressAsync("verify", "events", progress => tables.VerifyAsync(dataSource, trusted, progress, ct));
            return await Reports.PrintAsync(console, report, trusted);
        });
        return command;
    }
}
