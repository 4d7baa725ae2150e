using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Cli.Commands;

/// <summary>Options several commands share, and the value parsers that turn bad values into parse errors (exit 2).</summary>
public static partial class CommonOptions
{
    public static Option<string> Connection() => new("--connection")
    {
        Description = "PostgreSQL connection string of the ledger's database",
        Required = true,
    };

    public static Option<string> Schema() => new("--schema")
    {
        Description = "The ledger's schema",
        DefaultValueFactory = _ => AuditDatabase.DefaultSchema,
        CustomParser = result => Identifier().IsMatch(result.Tokens.Single().Value)
            ? result.Tokens.Single().Value
            : Error<string>(result, "--schema must be a plain PostgreSQL identifier"),
    };

    public static Option<FileInfo?> PublicKey() => new("--public-key")
    {
        Description = "The published checkpoint key (PEM, from GET /api/v1/audit/public-key) every checkpoint must verify with",
    };

    public static Option<long?> WholeNumber(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result => long.TryParse(result.Tokens.Single().Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : Error<long?>(result, $"{name} must be a whole number, not '{result.Tokens.Single().Value}'"),
    };

    /// <summary>
    /// A moment read as the API reads a period's start: a bare date is the first moment of that day in Japan time, a time
    /// without an offset is Japan time. Only ISO-8601 is accepted (2019-01-01, 2019-01-01T09:00, 2019-01-01T00:00Z).
    /// </summary>
    public static Option<DateTimeOffset> JstStart(string name, string description) => new(name)
    {
        Description = description + " (yyyy-MM-dd: that day's start in Japan time; or an ISO-8601 time, Japan time without an offset)",
        Required = true,
        CustomParser = result => ParseJstStart(result.Tokens.Single().Value) is { } value
            ? value
            : Error<DateTimeOffset>(result, $"{name} '{result.Tokens.Single().Value}' is not a date: write yyyy-MM-dd (Japan time) or an ISO-8601 time"),
    };

    public static DateTimeOffset? ParseJstStart(string text) =>
        IsoMoment().IsMatch(text) && Jst.TryParseBound(text, end: false, out var value) ? value : null;

    /// <summary>The PEM of <paramref name="file"/>, checked to be a public key; null when no file was given.</summary>
    public static string? ReadPublicKey(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        var pem = File.ReadAllText(file.FullName);
        try
        {
            _ = CheckpointSigner.KeyIdOf(pem);
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"--public-key {file.Name} is not an ECDSA public key in PEM form");
        }

        return pem;
    }

    private static T Error<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$")]
    private static partial Regex IsoMoment();
}
