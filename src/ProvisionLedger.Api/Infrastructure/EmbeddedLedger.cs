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
        // As in production (ops/README.md): an owner login applies the schema, the service runs on a login that owns nothing.
        var password = keys.DatabasePassword ?? throw new InvalidOperationException("development-keys.json has no DatabasePassword.");
        await EnsureLoginsAsync(cluster.ConnectionString(DatabaseName), password);
        var superuser = new NpgsqlConnectionStringBuilder(cluster.ConnectionString(DatabaseName));
        overrides["ConnectionStrings:LedgerAdmin"] = new NpgsqlConnectionStringBuilder(superuser.ConnectionString) { Username = OwnerLogin, Password = password }.ConnectionString;
        overrides["ConnectionStrings:Ledger"] = new NpgsqlConnectionStringBuilder(superuser.ConnectionString) { Username = RuntimeLogin, Password = password }.ConnectionString;
        configuration.AddInMemoryCollection(overrides);
        logger.LogInformation(
            "Embedded PostgreSQL is running on 127.0.0.1:{Port} with its data in {DataDirectory}; development keys are in {KeyFile}.\n" +
            "Connection string (for the CLI's --connection): {ConnectionString}",
            cluster.Port, cluster.DataDirectory, Path.Combine(dataDirectory, "development-keys.json"), cluster.ConnectionString(DatabaseName));
        return cluster;
    }

    public const string OwnerLogin = "ledger_owner";

    public const string RuntimeLogin = "ledger_service";

    /// <summary>
    /// Creates the owner and runtime logins, and gives the owner the database and whatever an earlier version left owned
    /// by the superuser in the ledger schema.
    /// </summary>
    public static async Task EnsureLoginsAsync(string superuserConnectionString, string password)
    {
        await using var connection = new NpgsqlConnection(superuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($$"""
            do $d$
            declare
                o record;
            begin
                if not exists (select 1 from pg_roles where rolname = '{{OwnerLogin}}') then
                    create role {{OwnerLogin}} login;
                end if;
                if not exists (select 1 from pg_roles where rolname = '{{RuntimeLogin}}') then
                    create role {{RuntimeLogin}} login;
                end if;
                execute format('alter role {{OwnerLogin}} password %L', @password);
                execute format('alter role {{RuntimeLogin}} password %L', @password);
                execute format('alter database %I owner to {{OwnerLogin}}', current_database());
                if exists (select 1 from pg_namespace where nspname = 'ledger') then
                    alter schema ledger owner to {{OwnerLogin}};
                    for o in select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
                             where n.nspname = 'ledger' and c.relkind in ('r', 'p', 'v', 'm', 'S') and pg_get_userbyid(c.relowner) <> '{{OwnerLogin}}' loop
                        execute format('alter %s ledger.%I owner to {{OwnerLogin}}',
                            case o.relkind when 'S' then 'sequence' when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, o.relname);
                    end loop;
                    for o in select p.oid::regprocedure as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                             where n.nspname = 'ledger' and pg_get_userbyid(p.proowner) <> '{{OwnerLogin}}' loop
                        execute format('alter routine %s owner to {{OwnerLogin}}', o.f);
                    end loop;
                end if;
            end
            $d$
            """.Replace("@password", "$p$" + password + "$p$", StringComparison.Ordinal), connection);
        await command.ExecuteNonQueryAsync();
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

    /// <param name="DatabasePassword">The embedded cluster's owner and runtime logins' password (added later: null in older files).</param>
    private sealed record DevelopmentKeys(string SigningKey, string SubjectHmacKey, string CheckpointKeyPem, string? DatabasePassword = null)
    {
        public static async Task<DevelopmentKeys> LoadOrCreateAsync(string file)
        {
            if (File.Exists(file))
            {
                var existing = JsonSerializer.Deserialize<DevelopmentKeys>(await File.ReadAllTextAsync(file));
                if (existing is { DatabasePassword: not null })
                {
                    return existing;
                }

                if (existing is not null)
                {
                    return await SaveAsync(file, existing with { DatabasePassword = NewPassword() });
                }
            }

            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            return await SaveAsync(file, new DevelopmentKeys(
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ecdsa.ExportPkcs8PrivateKeyPem(),
                NewPassword()));
        }

        private static string NewPassword() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        private static async Task<DevelopmentKeys> SaveAsync(string file, DevelopmentKeys keys)
        {
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(keys));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return keys;
        }
    }
}
