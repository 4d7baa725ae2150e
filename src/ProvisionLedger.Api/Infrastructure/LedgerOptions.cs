namespace ProvisionLedger.Api.Infrastructure;

/// <summary>The service's keys and settings, bound from the <c>Ledger</c> configuration section.</summary>
public sealed class LedgerOptions
{
    public const string Issuer = "provision-ledger";

    public static readonly TimeSpan DefaultMaxTokenLifetime = TimeSpan.FromHours(12);

    public required byte[] SigningKey { get; init; }

    public required byte[] SubjectHmacKey { get; init; }

    /// <summary>How far a business time may lie ahead of the server's clock.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest a bearer token may live, from its issue (or not-before) time to its expiry.</summary>
    public TimeSpan MaxTokenLifetime { get; init; } = DefaultMaxTokenLifetime;

    /// <summary>番号法 第23条 records are kept, and shown on Mynaportal, for 7 years.</summary>
    public int RetentionYears { get; init; } = 7;

    public static byte[] ReadKey(string? base64, string key)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw new InvalidOperationException($"Configuration {key} is missing: a base64 key of at least 32 bytes.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"Configuration {key} is not base64.");
        }

        return bytes.Length >= 32 ? bytes : throw new InvalidOperationException($"Configuration {key} must hold at least 32 bytes.");
    }

    public static LedgerOptions From(IConfiguration configuration) => new()
    {
        SigningKey = ReadKey(configuration["Ledger:Auth:SigningKey"], "Ledger:Auth:SigningKey"),
        SubjectHmacKey = ReadKey(configuration["Ledger:Subjects:HmacKey"], "Ledger:Subjects:HmacKey"),
        ClockSkew = TimeSpan.FromSeconds(configuration.GetValue("Ledger:ClockSkewSeconds", 300)),
        MaxTokenLifetime = configuration.GetValue("Ledger:Auth:MaxTokenLifetime", DefaultMaxTokenLifetime),
    };
}
