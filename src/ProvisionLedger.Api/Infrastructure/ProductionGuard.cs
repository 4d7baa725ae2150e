namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// What a Production host refuses to start with: embedded mode (its own PostgreSQL and generated development keys), and
/// the sample keys once published with the project (docker-compose.yml's old defaults), which anyone can use to sign tokens or to turn a
/// My Number into the ledger's subject keys.
/// </summary>
public static class ProductionGuard
{
    /// <summary>Keys published in this repository's history: docker-compose.yml's old defaults.</summary>
    public static readonly IReadOnlySet<string> SampleKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "bG9jYWwtb25seS1zaWduaW5nLWtleS1yZXBsYWNlLW1lLTAwMDA=",
        "bG9jYWwtb25seS1obWFjLWtleS1yZXBsYWNlLW1lLTAwMDAwMDA=",
    };

    private static readonly string[] KeySettings = ["Ledger:Auth:SigningKey", "Ledger:Subjects:HmacKey"];

    /// <summary>Why this host must not start, in one line, or null.</summary>
    public static string? Refusal(IHostEnvironment environment, IConfiguration configuration)
    {
        if (!environment.IsProduction())
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Ledger")))
        {
            return "Production refuses embedded mode: set ConnectionStrings:Ledger (env ConnectionStrings__Ledger) to the ledger's PostgreSQL.";
        }

        foreach (var setting in KeySettings)
        {
            var value = configuration[setting]?.Trim();
            if (value is not null && (SampleKeys.Contains(value) || IsSample(value)))
            {
                return $"Production refuses the sample key in {setting}: generate one (openssl rand -base64 32) and keep it secret.";
            }
        }

        return null;
    }

    /// <summary>A sample key spells out that it is one ("local-only ... replace-me").</summary>
    private static bool IsSample(string base64)
    {
        try
        {
            var text = System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            return text.Contains("local-only", StringComparison.OrdinalIgnoreCase) || text.Contains("replace-me", StringComparison.OrdinalIgnoreCase);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Thrown before the host is built when it must not start; its message is the one line to act on.</summary>
public sealed class StartupRefusedException(string message) : Exception(message);
