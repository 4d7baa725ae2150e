using System.CommandLine;
using System.Text.Json;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Cli.Output;

namespace ProvisionLedger.Cli.Commands;

/// <summary><c>token</c>: a bearer token signed with the configured or the embedded development key.</summary>
public static class TokenCommand
{
    public static Command Create(CliConsole console)
    {
        var role = new Option<string>("--role") { Description = "The token's role", Required = true };
        role.AcceptOnlyFromAmong([.. Roles.All]);
        var inst = new Option<string?>("--inst") { Description = "The institution code (an institution token needs it)" };
        var sub = new Option<string>("--sub") { Description = "The subject named in the token", DefaultValueFactory = _ => "cli" };
        var key = new Option<string?>("--key") { Description = "The signing key, base64 (default: env Ledger__Auth__SigningKey, else the embedded development keys)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "The embedded mode's data folder holding development-keys.json" };
        var hours = CommonOptions.WholeNumber("--hours", "Hours the token is valid (default 12)");
        hours.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<long?>() is < 1 or > 24 * 366)
            {
                result.AddError("--hours must be between 1 and 8784");
            }
        });
        var command = new Command("token", "Print a bearer token.") { role, inst, sub, key, dataDir, hours };
        command.Validators.Add(result =>
        {
            if (result.GetValue(role) == Roles.Institution && result.GetValue(inst) is null)
            {
                result.AddError("An institution token needs --inst <code>.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var signingKey = parse.GetValue(key) ?? Environment.GetEnvironmentVariable("Ledger__Auth__SigningKey")
                ?? await DevelopmentSigningKeyAsync(parse.GetValue(dataDir), ct);
            byte[] keyBytes;
            try
            {
                keyBytes = LedgerOptions.ReadKey(signingKey, "--key");
            }
            catch (InvalidOperationException e)
            {
                throw new CliException(e.Message);
            }

            var token = Auth.MintToken(keyBytes, parse.GetRequiredValue(role), parse.GetValue(inst), parse.GetRequiredValue(sub),
                TimeSpan.FromHours(parse.GetValue(hours) ?? 12));
            await console.Out.WriteLineAsync(token);
            return ExitCodes.Intact;
        });
        return command;
    }

    private static async Task<string> DevelopmentSigningKeyAsync(string? dataDirectory, CancellationToken ct)
    {
        var file = Path.Combine(dataDirectory ?? EmbeddedLedger.DefaultDataDirectory(), "development-keys.json");
        if (!File.Exists(file))
        {
            throw new CliException($"no --key, no Ledger__Auth__SigningKey and no {file}");
        }

        using var keys = JsonDocument.Parse(await File.ReadAllTextAsync(file, ct));
        return keys.RootElement.TryGetProperty("SigningKey", out var value) && value.GetString() is { } text
            ? text
            : throw new CliException($"{file} has no SigningKey");
    }
}
