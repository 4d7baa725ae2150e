using ProvisionLedger.Cli.Output;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Cli.Commands;

/// <summary>A verification's outcome as <c>verify</c> and <c>verify-bundle</c> print it, and its exit code.</summary>
internal static class Reports
{
    private const int Listed = 20;

    public static async Task<int> PrintAsync(CliConsole console, VerificationReport report, string? trustedPublicKeyPem)
    {
        var stdout = console.Out;
        await stdout.WriteLineAsync(report.Summary());
        foreach (var divergence in report.Divergences.Take(Listed))
        {
            await stdout.WriteLineAsync($"  {divergence}");
        }

        if (report.DivergenceCount > Listed)
        {
            await stdout.WriteLineAsync($"  ... and {report.DivergenceCount - Listed} more");
        }

        await stdout.WriteLineAsync(KeyLine(report, trustedPublicKeyPem));
        return report.Intact ? ExitCodes.Intact : ExitCodes.NotIntact;
    }

    /// <summary>Which key signed the checkpoints, and whether it was pinned or taken on trust.</summary>
    private static string KeyLine(VerificationReport report, string? trustedPublicKeyPem)
    {
        if (report.KeyIds.Count == 0)
        {
            return "checkpoint key: none (no checkpoint to check)";
        }

        var ids = string.Join(", ", report.KeyIds);
        return trustedPublicKeyPem is null
            ? $"checkpoint key id {ids}: each checkpoint checked with the key it names; compare with GET /api/v1/audit/public-key, or pin it with --public-key"
            : $"checkpoint key id {ids}: checked with the --public-key given (key id {CheckpointSigner.KeyIdOf(trustedPublicKeyPem)})";
    }
}
