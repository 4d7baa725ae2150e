using System.CommandLine;
using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity.Bundles;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Cli.Commands;

/// <summary><c>verify-bundle</c>: verify an audit bundle with no database. 0 intact, 1 tampered, 2 not a readable bundle.</summary>
public static class VerifyBundleCommand
{
    public static Command Create(CliConsole console)
    {
        var bundle = new Argument<FileInfo>("bundle") { Description = "The bundle file (docs/audit-bundle.md)" };
        var publicKey = CommonOptions.PublicKey();
        var command = new Command("verify-bundle", "Verify an audit bundle offline. Exit 0 intact, 1 tampered, 2 not a readable bundle.")
        {
            bundle, publicKey,
        };
        command.SetAction(async (parse, ct) =>
        {
            var trusted = CommonOptions.ReadPublicKey(parse.GetValue(publicKey));
            var file = parse.GetRequiredValue(bundle);
            if (!file.Exists)
            {
                throw new CliException($"{file.FullName} does not exist");
            }

            var report = await console.WithProgressAsync("verify-bundle", "MB",
                progress => BundleVerifier.VerifyFileAsync(file.FullName, trusted, new Megabytes(progress), ct));
            return await Reports.PrintAsync(console, report, trusted);
        });
        return command;
    }

    /// <summary>The verifier counts bytes read (the number of events is not known before the end).</summary>
    private sealed class Megabytes(WorkProgress progress) : IChainProgress
    {
        public void SetTotal(long total) => progress.SetTotal((total + 999_999) / 1_000_000);

        public void Report(long done) => progress.Report(done / 1_000_000);
    }
}
