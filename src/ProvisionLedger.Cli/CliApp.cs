using System.Globalization;
using System.Text.Json;
using Marten;
using Npgsql;
using ProvisionLedger.Api.Auditing.Retention;
using ProvisionLedger.Api.Auditing.Sealing;
using ProvisionLedger.Integrity;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity.Bundles;
using ProvisionLedger.Integrity.Storage;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Cli;

/// <summary>The operators' and auditors' commands. Exit 0: done / intact; 1: not intact; 2: usage or runtime error.</summary>
public static class CliApp
{
    public const int Intact = 0;
    public const int NotIntact = 1;
    public const int Failure = 2;

    private const string Usage = """
        provision-ledger <command> [options]

          verify        --connection "<cs>" [--public-key <pem>[,<pem>...]] [--seal-key <pem>[,...]]
                        [--trusted-checkpoint <checkpoint .json or .note>[,...]] [--schema ledger]
                        Recompute the audit chain over the whole store and check every checkpoint and seal
                        (seal key: --seal-key, else --public-key, else the keys the service registered), and that
                        the store still extends each checkpoint kept from earlier.
          export        --connection "<cs>" --out <bundle.json> [--from <seq>] [--to <seq>] [--stream <id>]
                        Write an audit bundle (docs/audit-bundle.md) against the latest checkpoint.
          verify-bundle <bundle.json> [--public-key <pem file>]
                        Verify a bundle offline.
          archive       --connection "<cs>" --before <yyyy-MM-dd> [--by <operator>] [--seal-key-file <private pem>]
                        Archive streams older than the 7-year retention period (recorded, never deleted).
          token         --role <role> [--inst <code>] [--sub <name>] [--key <base64>] [--hours <n>]
                        Print a bearer token. Key: --key, env Ledger__Auth__SigningKey, or the embedded development keys.

        Exit codes: 0 intact / done, 1 not intact, 2 usage or error.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? Failure : Intact;
        }

        try
        {
            var options = Options.Parse(args.Skip(1));
            return args[0] switch
            {
                "verify" => await VerifyAsync(options, stdout),
                "export" => await ExportAsync(options, stdout),
                "verify-bundle" => VerifyBundle(options, stdout),
                "archive" => await ArchiveAsync(options, stdout),
                "token" => await TokenAsync(options, stdout),
                _ => throw new UsageException($"Unknown command '{args[0]}'."),
            };
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync(e.Message);
            await stderr.WriteLineAsync(Usage);
            return Failure;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or ArgumentException or FormatException or JsonException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return Failure;
        }
    }

    private static async Task<int> VerifyAsync(Options options, TextWriter stdout)
    {
        await using var dataSource = NpgsqlDataSource.Create(options.Required("connection"));
        // Several files, comma-separated: after a key rotation, every key that signed.
        var checkpointKeys = Files(options.Get("public-key"));
        var sealKeys = options.Get("seal-key") is { } sealKeyFiles ? Files(sealKeyFiles) : checkpointKeys.Count > 0 ? checkpointKeys : null;
        var trusted = (options.Get("trusted-checkpoint") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(file => TrustedCheckpoint.Parse(File.ReadAllText(file), Path.GetFileName(file), checkpointKeys)).ToList();
        var report = await new AuditDatabase(options.Get("schema") ?? AuditDatabase.DefaultSchema).VerifyAsync(dataSource, new VerifyOptions
        {
            TrustedCheckpointKeys = checkpointKeys,
            TrustedSealKeys = sealKeys,
            TrustedCheckpoints = trusted,
        });
        return await Print(report, stdout);
    }

    private static async Task<int> ExportAsync(Options options, TextWriter stdout)
    {
        var output = options.Required("out");
        var selection = new BundleSelection(options.Long("from"), options.Long("to"), options.Get("stream"));
        await using var dataSource = NpgsqlDataSource.Create(options.Required("connection"));
        var result = await BundleExporter.ExportAsync(dataSource, new AuditDatabase(options.Get("schema") ?? AuditDatabase.DefaultSchema),
            selection, TimeProvider.System);
        await File.WriteAllBytesAsync(output, JsonSerializer.SerializeToUtf8Bytes(result.Bundle, AuditBundle.Json));
        await stdout.WriteLineAsync(
            $"exported {result.Bundle.Events.Count} event(s) proven against checkpoint {result.Bundle.Checkpoint.Id} " +
            $"(sequence {result.Bundle.Checkpoint.Sequence}, key {result.Bundle.Checkpoint.KeyId}) to {output}");
        if (result.LeftOutNewerThanCheckpoint > 0)
        {
            await stdout.WriteLineAsync($"left out {result.LeftOutNewerThanCheckpoint} matching event(s) newer than that checkpoint: make a checkpoint and export again to include them");
        }

        return Intact;
    }

    private static int VerifyBundle(Options options, TextWriter stdout)
    {
        var path = options.Positional.FirstOrDefault() ?? options.Get("bundle") ?? throw new UsageException("verify-bundle needs the bundle's file name.");
        var report = BundleVerifier.VerifyFile(path, ReadKey(options));
        return Print(report, stdout).GetAwaiter().GetResult();
    }

    private static async Task<int> ArchiveAsync(Options options, TextWriter stdout)
    {
        var before = DateTimeOffset.ParseExact(options.Required("before"), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var by = $"operator:{options.Get("by") ?? Environment.UserName}";
        // The run's StreamsArchived event is sealed like any other: the seal key from --seal-key-file or the service's environment.
        var sealKey = options.Get("seal-key-file") is { } file ? File.ReadAllText(file)
            : Environment.GetEnvironmentVariable("Ledger__Audit__SealKeyPem") ?? Environment.GetEnvironmentVariable("Ledger__Audit__SigningKeyPem");
        using var sealer = sealKey is null ? null : new SealSigner(sealKey);
        await using var store = DocumentStore.For(o =>
        {
            LedgerStore.Configure(o, options.Required("connection"));
            if (sealer is not null)
            {
                EventSealing.Use(o, sealer, TimeProvider.System);
            }
        });
        var total = 0;
        while (await RetentionPolicy.ArchiveAsync(store, before, by, TimeProvider.System) is { } run)
        {
            total += run.StreamIds.Length;
            await stdout.WriteLineAsync($"run {run.RunId}: archived {run.StreamIds.Length} stream(s), recorded in stream {RetentionPolicy.StreamPrefix}{run.RunId}");
        }

        await stdout.WriteLineAsync($"archived {total} stream(s) whose last event was recorded before {before:yyyy-MM-dd}");
        return Intact;
    }

    private static async Task<int> TokenAsync(Options options, TextWriter stdout)
    {
        var role = options.Required("role");
        if (!Roles.All.Contains(role))
        {
            throw new UsageException($"--role must be one of {string.Join(", ", Roles.All)}.");
        }

        var inst = options.Get("inst");
        if (role == Roles.Institution && inst is null)
        {
            throw new UsageException("An institution token needs --inst <code>.");
        }

        var key = options.Get("key") ?? Environment.GetEnvironmentVariable("Ledger__Auth__SigningKey") ?? await DevelopmentSigningKeyAsync(options.Get("data-dir"));
        var token = Auth.MintToken(LedgerOptions.ReadKey(key, "--key"), role, inst, options.Get("sub") ?? "cli",
            TimeSpan.FromHours(options.Long("hours") ?? 12));
        await stdout.WriteLineAsync(token);
        return Intact;
    }

    private static async Task<string> DevelopmentSigningKeyAsync(string? dataDirectory)
    {
        var file = Path.Combine(dataDirectory ?? EmbeddedLedger.DefaultDataDirectory(), "development-keys.json");
        if (!File.Exists(file))
        {
            throw new UsageException($"No --key, no Ledger__Auth__SigningKey and no {file}.");
        }

        using var keys = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return keys.RootElement.GetProperty("SigningKey").GetString() ?? throw new UsageException($"{file} has no SigningKey.");
    }

    private static List<string> Files(string? commaSeparated) =>
        (commaSeparated ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(File.ReadAllText).ToList();

    private static string? ReadKey(Options options) => options.Get("public-key") is { } file ? File.ReadAllText(file) : null;

    private static async Task<int> Print(VerificationReport report, TextWriter stdout)
    {
        await stdout.WriteLineAsync(report.Summary());
        foreach (var divergence in report.Divergences.Take(20))
        {
            await stdout.WriteLineAsync($"  {divergence}");
        }

        if (report.DivergenceCount > 20)
        {
            await stdout.WriteLineAsync($"  ... and {report.DivergenceCount - 20} more");
        }

        return report.Intact ? Intact : NotIntact;
    }

    private sealed class UsageException(string message) : Exception(message);

    private sealed class Options
    {
        private readonly Dictionary<string, string> _named = new(StringComparer.Ordinal);

        public List<string> Positional { get; } = [];

        public static Options Parse(IEnumerable<string> args)
        {
            var options = new Options();
            using var e = args.GetEnumerator();
            while (e.MoveNext())
            {
                if (e.Current.StartsWith("--", StringComparison.Ordinal))
                {
                    var name = e.Current[2..];
                    options._named[name] = e.MoveNext() ? e.Current : throw new UsageException($"--{name} needs a value.");
                }
                else
                {
                    options.Positional.Add(e.Current);
                }
            }

            return options;
        }

        public string? Get(string name) => _named.GetValueOrDefault(name);

        public string Required(string name) => Get(name) ?? throw new UsageException($"--{name} is required.");

        public long? Long(string name) =>
            Get(name) is not { } text ? null
            : long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : throw new UsageException($"--{name} must be a whole number.");
    }
}
