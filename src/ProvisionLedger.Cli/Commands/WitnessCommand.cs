using System.CommandLine;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity.Witnessing;

namespace ProvisionLedger.Cli.Commands;

/// <summary>
/// <c>witness</c>: an outside party's run. Keeps the last checkpoint it accepted in its own state folder, fetches the
/// latest with a consistency proof, refuses an inconsistent one (exit 1, naming both sizes), otherwise cosigns it and
/// posts the cosignature back to the ledger.
/// </summary>
public static class WitnessCommand
{
    public static Command Create(CliConsole console)
    {
        var url = new Option<Uri>("--url") { Description = "The ledger service's base address (https://…)", Required = true };
        var token = new Option<string?>("--token") { Description = "An auditor's bearer token (default: env LEDGER_TOKEN)" };
        var state = new Option<DirectoryInfo>("--state") { Description = "The witness's own state folder (last accepted checkpoint, history)", Required = true };
        var key = new Option<FileInfo>("--key") { Description = "The witness's private key (ECDSA P-256, PKCS#8 PEM)", Required = true };
        var name = new Option<string>("--name") { Description = "The witness's name on its cosignature lines", Required = true };
        var logKey = new Option<FileInfo[]>("--log-key")
        {
            Description = "The ledger's published checkpoint key (PEM; repeatable after a rotation)", Required = true,
        };
        var command = new Command("witness",
            "Check the ledger's latest checkpoint against the last one this witness accepted and cosign it if consistent. Exit 0 cosigned, 1 refused, 2 error.")
        {
            url, token, state, key, name, logKey,
        };
        command.SetAction(async (parse, ct) =>
        {
            var privatePem = await File.ReadAllTextAsync(parse.GetRequiredValue(key).FullName, ct);
            string publicPem;
            try
            {
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportFromPem(privatePem);
                publicPem = ecdsa.ExportSubjectPublicKeyInfoPem();
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new CliException($"--key {parse.GetRequiredValue(key).Name} is not an ECDSA private key in PEM form");
            }

            var logKeys = parse.GetRequiredValue(logKey).Select(f => CommonOptions.ReadPublicKey(f)!).ToList();
            var bearer = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("LEDGER_TOKEN")
                ?? throw new CliException("witness needs an auditor's token: --token or env LEDGER_TOKEN");
            using var http = new HttpClient { BaseAddress = parse.GetRequiredValue(url) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            var witness = new Witness(parse.GetRequiredValue(state).FullName, parse.GetRequiredValue(name), privatePem, logKeys);

            var outcome = await WitnessRun.RunAsync(http, witness, publicPem, TimeProvider.System, ct);

            await (outcome.Accepted ? console.Out : console.Error).WriteLineAsync(outcome.Message);
            return outcome.Accepted ? ExitCodes.Intact : ExitCodes.NotIntact;
        });
        return command;
    }
}
