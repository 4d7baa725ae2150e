using System.Security.Cryptography;
using Marten;
using Npgsql;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Auditing.Chaining;
using ProvisionLedger.Api.Auditing.Privileges;
using ProvisionLedger.Api.Auditing.Sealing;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Cli;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;
using ProvisionLedger.Integrity.Verification;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// A ledger database of its own, written through Marten with the service's store configuration and the audit chain
/// installed, without the HTTP host: tampering tests each need a ledger they can spoil. Disposing drops the database.
/// </summary>
public sealed class ChainedLedger : IAsyncDisposable
{
    private readonly PostgresServer _server;

    private ChainedLedger(PostgresServer server, string connectionString, DocumentStore store, NpgsqlDataSource dataSource)
    {
        _server = server;
        ConnectionString = connectionString;
        Store = store;
        DataSource = dataSource;
    }

    public string ConnectionString { get; }

    public DocumentStore Store { get; }

    public NpgsqlDataSource DataSource { get; }

    public AuditDatabase Tables { get; } = new(LedgerStore.Schema);

    public static async Task<ChainedLedger> CreateAsync(string hint)
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync(hint);
        var sealKey = TestKeys.NewCheckpointKeyPem();
        var sealer = new SealSigner(sealKey);
        var store = DocumentStore.For(o =>
        {
            LedgerFeatures.ConfigureStore(o, connectionString);
            EventSealing.Use(o, sealer, TimeProvider.System);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await AuditSchema.ApplyAsync(dataSource, LedgerStore.Schema);
        // As the service does at start: the seal key's public half, where `verify` without --seal-key finds it.
        await using (var register = dataSource.CreateCommand(
                         "insert into ledger.audit_keys (key_id, public_key_pem, purpose) values (@id, @pem, 'seal')"))
        {
            register.Parameters.AddWithValue("id", sealer.KeyId);
            register.Parameters.AddWithValue("pem", sealer.PublicKeyPem);
            await register.ExecuteNonQueryAsync();
        }

        return new ChainedLedger(server, connectionString, store, dataSource) { SealKeyPem = sealKey, Sealer = sealer };
    }

    /// <summary>The key this ledger's writes are sealed with (private: tests also forge with it).</summary>
    public string SealKeyPem { get; private init; } = "";

    public SealSigner Sealer { get; private init; } = null!;

    /// <summary>Appends <paramref name="streams"/> linkage streams of one to three events each, with full metadata.</summary>
    public async Task<int> AppendLinkagesAsync(int streams, string institutionCode = "131016", bool integrate = true)
    {
        var count = 0;
        for (var i = 0; i < streams; i++)
        {
            await using var session = Store.LightweightSession();
            session.LastModifiedBy = $"institution:{institutionCode}:staff-{i}";
            session.CorrelationId = Guid.NewGuid().ToString("n");
            session.SetHeader("role", "institution");
            session.SetHeader("inst", institutionCode);
            var key = LinkageKeys.Stream(institutionCode, $"R-{Guid.NewGuid().ToString("n")[..8]}");
            var events = Linkage(key, institutionCode, 1 + i % 3);
            session.Events.StartStream(key, events);
            await session.SaveChangesAsync();
            count += events.Length;
        }

        if (integrate)
        {
            await IntegrateAsync();
        }

        return count;
    }

    /// <summary>Runs the chain integrator until it has nothing left to chain (the service's elected integrator does this on its own).</summary>
    /// <param name="untilNoGap">Also wait for a pending gap to be crossed (false: stop at the first idle round).</param>
    public async Task<long> IntegrateAsync(bool untilNoGap = true)
    {
        await using var connections = new AuditConnections(new LedgerLogins(ConnectionString, null));
        using var status = new ChainIntegrationStatus();
        var integrator = new ChainIntegrator(connections, status, TimeProvider.System);
        long total = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        // Until a round chains nothing and no gap is pending (a gap waits for the transactions running when it was seen,
        // on the whole server, to end).
        while (true)
        {
            var n = await integrator.IntegrateOnceAsync();
            total += n;
            if (n == 0 && (!untilNoGap || !integrator.WaitingOnGap))
            {
                return total;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The chain integrator did not catch up within 30 s.");
            }

            if (n == 0)
            {
                await Task.Delay(ChainIntegrationAgent.PollInterval);
            }
        }
    }

    public static object[] Linkage(string key, string institutionCode, int events)
    {
        var linkageId = LinkageKeys.LinkageId(key, 1);
        var list = new List<object>
        {
            new SubjectLinked(key, linkageId, institutionCode, key.Split(':')[^1], Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)),
                Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)), LinkageMethods.JlisFourItems,
                new LinkageEvidence(["kanjiName", "dateOfBirth", "sex", "address"], 1, []), "staff-17", ["staff-22"], "chief-3",
                "児童手当 認定請求", null, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), DateTimeOffset.Parse("2025-04-01T10:00:00+09:00")),
        };
        for (var i = 1; i < events; i++)
        {
            list.Add(new LinkageVerified(key, linkageId, LinkageMethods.JlisFourItems, $"定期点検 {i}", "fp", DateTimeOffset.Parse("2025-05-01T10:00:00+09:00")));
        }

        return list.ToArray();
    }

    /// <summary>Runs SQL as an attacker who owns the tables would: with the append-only guard switched off.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            $"begin; alter table ledger.mt_events disable trigger audit_guard; {sql}; alter table ledger.mt_events enable trigger audit_guard; commit;", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Verifies with the trusted checkpoint key given, and this ledger's published seal key.</summary>
    public Task<VerificationReport> VerifyAsync(string? trustedPublicKeyPem = null) =>
        Tables.VerifyAsync(DataSource, trustedPublicKeyPem, [Sealer.PublicKeyPem]);

    /// <summary>Runs the command-line tool's entry point in-process, as an auditor would from a shell.</summary>
    public async Task<(int Exit, string Output)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString() + stderr);
    }

    public async Task<Checkpoint> CheckpointAsync(CheckpointSigner signer)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var head = await Tables.HeadAsync(connection);
        var tree = new MerkleLevels(await Tables.LeavesAsync(connection, 0, head.Position));
        return await Tables.InsertCheckpointAsync(connection,
            signer.Sign(head.Position, head.LastSeqId, head.Link, tree.Root, DateTimeOffset.UtcNow, "ledger.test/chained"));
    }

    /// <summary>Seals every event again with this ledger's seal key, one seal each, as an operator holding the key could.</summary>
    public async Task ResealAllAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        var rows = new List<EventRow>();
        await using (var read = new NpgsqlCommand($"select {AuditDatabase.EventColumns} from ledger.mt_events e order by e.seq_id", connection))
        await using (var r = await read.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                rows.Add(AuditDatabase.ReadEvent(r, 0));
            }
        }

        foreach (var row in rows)
        {
            await Tables.InsertSealAsync(connection, null, Sealer.Seal([row.SeqId], [CanonicalEvent.SealedDigest(row)], DateTimeOffset.UtcNow));
        }
    }

    /// <summary>The seal key's public half in a temporary file, for the command line's --seal-key.</summary>
    public async Task<string> SealPublicKeyFileAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"seal-{Sealer.KeyId}.pem");
        await File.WriteAllTextAsync(file, Sealer.PublicKeyPem);
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        Sealer.Dispose();
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        await _server.DropDatabaseAsync(ConnectionString);
    }
}

public static class TestKeys
{
    public static string NewCheckpointKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }
}
