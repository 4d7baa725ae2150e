using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// With no <c>ConnectionStrings:Ledger</c>, the service runs on its own PostgreSQL cluster in a data folder it owns,
/// kept between runs, with development keys generated and kept beside it.
/// </summary>
public static class EmbeddedLedger
{
    public const string DatabaseName = "provision_ledger";

    public static string DefaultDataDirectory() =>
        Environment.UserName == "root"
            ? "/var/lib/provision-ledger"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "provision-ledger");

    /// <summary>Starts the embedded cluster when needed and fills in what configuration lacks.</summary>
    public static async Task<LocalPostgres?> PrepareAsync(ConfigurationManager configuration, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("Ledger")))
        {
            return null;
        }

        var dataDirectory = configuration["Ledger:Embedded:DataDirectory"] ?? DefaultDataDirectory();
        Directory.CreateDirectory(dataDirectory);
        var keys = await DevelopmentKeys.LoadOrCreateAsync(Path.Combine(dataDirectory, "development-keys.json"));
        var overrides = new Dictionary<string, string?>();
        if (string.IsNullOrWhiteSpace(configuration["Ledger:Auth:SigningKey"]))
        {
            overrides["Ledger:Auth:SigningKey"] = keys.SigningKey;
        }

        if (string.IsNullOrWhiteSpace(configuration["Ledger:Subjects:HmacKey"]))
        {
            overrides["Ledger:Subjects:HmacKey"] = keys.SubjectHmacKey;
        }

        if (string.IsNullOrWhiteSpace(configuration["Ledger:Audit:SigningKeyPem"]))
        {
            overrides["Ledger:Audit:SigningKeyPem"] = keys.CheckpointKeyPem;
        }

        if (LocalPostgres.FindBinaries() is null)
        {
            throw new InvalidOperationException(LocalPostgres.MissingBinariesMessage);
        }

        var cluster = await LocalPostgres.StartAsync(Path.Combine(dataDirectory, "postgres"), configuration.GetValue("Ledger:Embedded:Port", 55432));
        await EnsureDatabaseAsync(cluster.ConnectionString(), DatabaseName);
        overrides["ConnectionStrings:Ledger"] = cluster.ConnectionString(DatabaseName);
        configuration.AddInMemoryCollection(overrides);
        logger.LogInformation(
            "Embedded PostgreSQL is running on 127.0.0.1:{Port} with its data in {DataDirectory}; development keys are in {KeyFile}.\n" +
            "Connection string (for the CLI's --connection): {ConnectionString}",
            cluster.Port, cluster.DataDirectory, Path.Combine(dataDirectory, "development-keys.json"), cluster.ConnectionString(DatabaseName));
        return cluster;
    }

    public static async Task EnsureDatabaseAsync(string adminConnectionString, string database)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"create database \"{database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    private sealed record DevelopmentKeys(string SigningKey, string SubjectHmacKey, string CheckpointKeyPem)
    {
        public static async Task<DevelopmentKeys> LoadOrCreateAsync(string file)
        {
            if (File.Exists(file))
            {
                var existing = JsonSerializer.Deserialize<DevelopmentKeys>(await File.ReadAllTextAsync(file));
                if (existing is not null)
                {
                    return existing;
                }
            }

            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var keys = new DevelopmentKeys(
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ecdsa.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(keys));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return keys;
        }
    }
}
