using System.Data;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Npgsql;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Integrity.Storage;

/// <summary>Reads the event store and the audit tables (<c>audit_chain</c>, <c>audit_checkpoints</c>, <c>audit_merkle_blocks</c>).</summary>
public sealed partial class AuditDatabase
{
    public const string DefaultSchema = "ledger";

    /// <summary>The columns <see cref="ReadEvent"/> expects, from an <c>mt_events</c> aliased <c>e</c>.</summary>
    public const string EventColumns =
        "e.seq_id, e.id, e.stream_id::text, e.version, e.type, e.tenant_id, e.timestamp, e.mt_dotnet_type, e.correlation_id, " +
        "e.causation_id, e.user_name, e.headers, e.data, e.bdata, e.is_archived";

    public const string ChainColumns = "c.position, c.seq_id, c.event_id, c.stream_id, c.event_digest, c.link";

    private const string CheckpointColumns =
        "id, sequence, last_seq_id, chain_head, merkle_root, signed_at, key_id, public_key_pem, signature, note_signature, origin";

    public AuditDatabase(string schema = DefaultSchema)
    {
        if (!Identifier().IsMatch(schema))
        {
            throw new ArgumentException("Not a plain PostgreSQL identifier.", nameof(schema));
        }

        Schema = schema;
    }

    public string Schema { get; }

    public static EventRow ReadEvent(NpgsqlDataReader r, int at) => new(
        r.GetInt64(at),
        r.GetGuid(at + 1),
        Text(r, at + 2),
        r.GetInt64(at + 3),
        r.GetString(at + 4),
        Text(r, at + 5),
        r.GetDateTime(at + 6),
        Text(r, at + 7),
        Text(r, at + 8),
        Text(r, at + 9),
        Text(r, at + 10),
        Text(r, at + 11),
        r.GetString(at + 12),
        r.IsDBNull(at + 13) ? null : r.GetFieldValue<byte[]>(at + 13),
        !r.IsDBNull(at + 14) && r.GetBoolean(at + 14));

    public static ChainEntry ReadEntry(NpgsqlDataReader r, int at) => new(
        r.GetInt64(at), r.GetInt64(at + 1), r.GetGuid(at + 2), Text(r, at + 3), r.GetFieldValue<byte[]>(at + 4), r.GetFieldValue<byte[]>(at + 5));

    public async Task<List<Checkpoint>> CheckpointsAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"select {CheckpointColumns} from {Schema}.audit_checkpoints order by id", connection);
        await using var r = await command.ExecuteReaderAsync(ct);
        var list = new List<Checkpoint>();
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadCheckpoint(r));
        }

        return list;
    }

    public async Task<Checkpoint?> CheckpointAsync(NpgsqlConnection connection, long? id, CancellationToken ct = default)
    {
        var where = id is null ? "order by id desc limit 1" : "where id = @id";
        await using var command = new NpgsqlCommand($"select {CheckpointColumns} from {Schema}.audit_checkpoints {where}", connection);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id.Value);
        }

        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadCheckpoint(r) : null;
    }

    /// <param name="frontier">The Merkle frontier at the checkpoint, kept so the next checkpoint reads only newer digests.</param>
    public async Task<Checkpoint> InsertCheckpointAsync(NpgsqlConnection connection, Checkpoint checkpoint, MerkleFrontier? frontier = null, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {Schema}.audit_checkpoints (sequence, last_seq_id, chain_head, merkle_root, signed_at, key_id, public_key_pem, signature, merkle_frontier, note_signature, origin) " +
            "values (@sequence, @last, @head, @root, @at, @key, @pem, @signature, @frontier, @note, @origin) returning id", connection);
        command.Parameters.AddWithValue("note", (object?)checkpoint.NoteSignature ?? DBNull.Value);
        command.Parameters.AddWithValue("origin", (object?)checkpoint.Origin ?? DBNull.Value);
        command.Parameters.AddWithValue("frontier", frontier is null ? DBNull.Value : frontier.Subtrees.ToArray());
        command.Parameters.AddWithValue("sequence", checkpoint.Sequence);
        command.Parameters.AddWithValue("last", (object?)checkpoint.LastSeqId ?? DBNull.Value);
        command.Parameters.AddWithValue("head", checkpoint.ChainHead);
        command.Parameters.AddWithValue("root", checkpoint.MerkleRoot);
        command.Parameters.AddWithValue("at", checkpoint.SignedAt);
        command.Parameters.AddWithValue("key", checkpoint.KeyId);
        command.Parameters.AddWithValue("pem", checkpoint.PublicKeyPem);
        command.Parameters.AddWithValue("signature", checkpoint.Signature);
        var id = (long)(await command.ExecuteScalarAsync(ct))!;
        return checkpoint with { Id = id };
    }

    /// <summary>
    /// The committed chain head: its last link (position 0 and the genesis link when empty). Every position below it is
    /// committed too, since chain extension is serialised.
    /// </summary>
    public async Task<(long Position, byte[] Link, long? LastSeqId)> HeadAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"select position, link, seq_id from {Schema}.audit_chain order by position desc limit 1", connection);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<byte[]>(1), r.GetInt64(2)) : (0, HashChain.Genesis, null);
    }

    /// <summary>The Merkle frontier saved with a checkpoint, if any.</summary>
    public async Task<MerkleFrontier?> FrontierAsync(NpgsqlConnection connection, Checkpoint checkpoint, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"select merkle_frontier from {Schema}.audit_checkpoints where id = @id", connection);
        command.Parameters.AddWithValue("id", checkpoint.Id);
        return await command.ExecuteScalarAsync(ct) is byte[][] subtrees ? new MerkleFrontier(checkpoint.Sequence, subtrees) : null;
    }

    /// <summary>The Merkle leaves of chain positions <paramref name="after"/>+1..<paramref name="upTo"/>, from the stored digests.</summary>
    public async Task<List<byte[]>> LeavesAsync(NpgsqlConnection connection, long after, long upTo, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"select position, event_digest from {Schema}.audit_chain where position > @after and position <= @n order by position", connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("n", upTo);
        await using var r = await command.ExecuteReaderAsync(ct);
        var leaves = new List<byte[]>();
        while (await r.ReadAsync(ct))
        {
            if (r.GetInt64(0) != after + leaves.Count + 1)
            {
                throw new InvalidOperationException($"The chain has a gap before position {r.GetInt64(0)}; run `verify`.");
            }

            leaves.Add(MerkleTree.Leaf(r.GetFieldValue<byte[]>(1)));
        }

        return leaves;
    }

    /// <summary>Leaves by 0-based index for the given ranges (from inclusive, to exclusive).</summary>
    public async Task<Dictionary<long, byte[]>> LeavesAsync(NpgsqlConnection connection, IEnumerable<(long From, long To)> ranges, CancellationToken ct = default)
    {
        var leaves = new Dictionary<long, byte[]>();
        foreach (var (from, to) in ranges)
        {
            var read = await LeavesAsync(connection, from, to, ct);
            for (var i = 0; i < read.Count; i++)
            {
                leaves[from + i] = read[i];
            }
        }

        return leaves;
    }

    /// <summary>
    /// The hash of every full block of a tree of <paramref name="size"/> leaves (<see cref="MerkleBlocks"/>), from the
    /// <c>audit_merkle_blocks</c> cache. Blocks not cached yet are computed from the chain's digests, 64 blocks per read,
    /// and cached; checkpoints fill it as they go, so a proof normally reads only new rows.
    /// </summary>
    public async Task<List<byte[]>> BlockHashesAsync(NpgsqlConnection connection, long size, CancellationToken ct = default)
    {
        const int BlocksPerRead = 64;
        var hashes = new byte[size / MerkleBlocks.BlockSize][];
        await using (var command = new NpgsqlCommand($"select block, hash from {Schema}.audit_merkle_blocks where block < @n", connection))
        {
            command.Parameters.AddWithValue("n", (long)hashes.Length);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                hashes[r.GetInt64(0)] = r.GetFieldValue<byte[]>(1);
            }
        }

        var block = 0L;
        while (block < hashes.Length)
        {
            if (hashes[block] is not null)
            {
                block++;
                continue;
            }

            var end = block;
            while (end < hashes.Length && end - block < BlocksPerRead && hashes[end] is null)
            {
                end++;
            }

            var leaves = await LeavesAsync(connection, block * MerkleBlocks.BlockSize, end * MerkleBlocks.BlockSize, ct);
            var computed = new List<(long Block, byte[] Hash)>();
            for (var b = block; b < end; b++)
            {
                hashes[b] = MerkleBlocks.BlockHash(leaves.GetRange((int)((b - block) * MerkleBlocks.BlockSize), MerkleBlocks.BlockSize));
                computed.Add((b, hashes[b]));
            }

            await using var insert = new NpgsqlCommand(
                $"insert into {Schema}.audit_merkle_blocks (block, hash) select * from unnest(@blocks, @hashes) on conflict do nothing", connection);
            insert.Parameters.AddWithValue("blocks", computed.Select(c => c.Block).ToArray());
            insert.Parameters.AddWithValue("hashes", computed.Select(c => c.Hash).ToArray());
            await insert.ExecuteNonQueryAsync(ct);
            block = end;
        }

        return [.. hashes];
    }

    /// <summary>Writes one transaction's seal, inside that transaction.</summary>
    public async Task InsertSealAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, EventSeal seal, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {Schema}.audit_seals (sealed_at, key_id, seq_ids, digests, signature) values (@at, @key, @seqs, @digests, @signature)",
            connection, transaction);
        command.Parameters.AddWithValue("at", seal.SealedAt);
        command.Parameters.AddWithValue("key", seal.KeyId);
        command.Parameters.AddWithValue("seqs", seal.SeqIds);
        command.Parameters.AddWithValue("digests", seal.Digests);
        command.Parameters.AddWithValue("signature", seal.Signature);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<EventSeal>> SealsAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"select id, sealed_at, key_id, seq_ids, digests, signature from {Schema}.audit_seals order by id", connection);
        await using var r = await command.ExecuteReaderAsync(ct);
        var seals = new List<EventSeal>();
        while (await r.ReadAsync(ct))
        {
            seals.Add(new EventSeal(r.GetInt64(0), new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero), r.GetString(2),
                r.GetFieldValue<long[]>(3), r.GetFieldValue<byte[][]>(4), r.GetFieldValue<byte[]>(5)));
        }

        return seals;
    }

    /// <summary>The first sequence number that must carry a seal (events before it predate sealing).</summary>
    public async Task<long> SealedFromSeqAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"select sealed_from_seq from {Schema}.audit_chain_installation", connection);
        return await command.ExecuteScalarAsync(ct) is long from ? from : 1;
    }

    /// <summary>The public keys the service registered (table <c>audit_keys</c>, written by the owner login only).</summary>
    public async Task<List<string>> RegisteredKeysAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"select public_key_pem from {Schema}.audit_keys order by registered_at", connection);
        await using var r = await command.ExecuteReaderAsync(ct);
        var keys = new List<string>();
        while (await r.ReadAsync(ct))
        {
            keys.Add(r.GetString(0));
        }

        return keys;
    }

    /// <summary>Recomputes the whole chain from the rows, in one consistent snapshot, and checks every checkpoint and seal.</summary>
    /// <param name="trustedPublicKeyPem">The published key: checks checkpoints, and seals too (by default the checkpoint key seals).</param>
    /// <param name="progress">Told the chain's length first, then how many links are verified, every 1,024.</param>
    public Task<VerificationReport> VerifyAsync(NpgsqlDataSource dataSource, string? trustedPublicKeyPem = null,
        IChainProgress? progress = null, CancellationToken ct = default) =>
        VerifyAsync(dataSource, new VerifyOptions
        {
            TrustedCheckpointKeys = trustedPublicKeyPem is null ? [] : [trustedPublicKeyPem],
            Progress = progress,
        }, ct);

    /// <param name="trustedSealKeyPems">The published seal keys; null uses the keys the service registered in the database.</param>
    public Task<VerificationReport> VerifyAsync(NpgsqlDataSource dataSource, string? trustedPublicKeyPem,
        IReadOnlyList<string>? trustedSealKeyPems, CancellationToken ct = default) =>
        VerifyAsync(dataSource, new VerifyOptions
        {
            TrustedCheckpointKeys = trustedPublicKeyPem is null ? [] : [trustedPublicKeyPem],
            TrustedSealKeys = trustedSealKeyPems,
        }, ct);

    /// <summary>
    /// Recomputes the whole chain from the rows, in one consistent snapshot, and checks every checkpoint and every seal,
    /// and that the store is consistent with every checkpoint the auditor kept.
    /// </summary>
    public async Task<VerificationReport> VerifyAsync(NpgsqlDataSource dataSource, VerifyOptions options, CancellationToken ct = default)
    {
        var trustedSealKeyPems = options.TrustedSealKeys;
        var progress = options.Progress;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var lookups = await dataSource.OpenConnectionAsync(ct);

        // Appends go on while we read: every query sees the same snapshot, exported to the look-up connection too.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("set transaction read only", connection, tx))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        string snapshot;
        await using (var export = new NpgsqlCommand("select pg_export_snapshot()", connection, tx))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        }

        await using var lookupTx = await lookups.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var import = new NpgsqlCommand($"set transaction snapshot '{snapshot}'", lookups, lookupTx))
        {
            await import.ExecuteNonQueryAsync(ct);
        }

        var seals = new SealIndex(await SealedFromSeqAsync(connection, ct));
        // Without published seal keys: the keys the owner login registered, and the trusted checkpoint keys (by default the
        // checkpoint key seals). Pin them with TrustedSealKeys to refuse a key someone with owner rights slipped in.
        using (var keys = new SealKeys(trustedSealKeyPems ?? [.. await RegisteredKeysAsync(connection, ct), .. options.TrustedCheckpointKeys]))
        {
            seals.Add(await SealsAsync(connection, ct), keys);
        }

        var verifier = new ChainVerifier(null, seals);
        foreach (var key in options.TrustedCheckpointKeys)
        {
            verifier.TrustedKeys.TryAdd(CheckpointSigner.KeyIdOf(key), key);
        }

        foreach (var trusted in options.TrustedCheckpoints)
        {
            verifier.AddTrusted(trusted.Size, trusted.MerkleRoot, trusted.Label);
        }

        verifier.AddCheckpoints(await CheckpointsAsync(connection, ct));
        if (progress is not null)
        {
            progress.SetTotal((await HeadAsync(connection, ct)).Position);
        }

        // Reading (Npgsql) and hashing (the verifier) overlap: the rows go through a bounded channel.
        var rows = Channel.CreateBounded<(ChainEntry Entry, EventRow? Row, EventRow? Moved)>(
            new BoundedChannelOptions(4096) { SingleReader = true, SingleWriter = true });
        var hashing = Task.Run(async () =>
        {
            var done = 0L;
            await foreach (var (entry, row, moved) in rows.Reader.ReadAllAsync(ct))
            {
                verifier.Observe(entry, row, moved);
                if (++done % 1024 == 0)
                {
                    progress?.Report(done);
                }
            }

            progress?.Report(done);
        }, ct);
        try
        {
            await using var walk = new NpgsqlCommand(
                $"select {ChainColumns}, {EventColumns} from {Schema}.audit_chain c " +
                $"left join {Schema}.mt_events e on e.seq_id = c.seq_id order by c.position", connection, tx);
            await using var r = await walk.ExecuteReaderAsync(ct);
            var lookupsLeft = 100;
            while (await r.ReadAsync(ct))
            {
                var entry = ReadEntry(r, 0);
                var row = r.IsDBNull(6) ? null : ReadEvent(r, 6);
                EventRow? moved = null;
                if ((row is null || row.Id != entry.EventId) && lookupsLeft-- > 0)
                {
                    moved = await EventByIdAsync(lookups, entry.EventId, ct);
                }

                await rows.Writer.WriteAsync((entry, row, moved), ct);
            }
        }
        finally
        {
            rows.Writer.TryComplete();
        }

        await hashing;

        long lastChainedSeq;
        await using (var last = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from {Schema}.audit_chain", connection, tx))
        {
            lastChainedSeq = (long)(await last.ExecuteScalarAsync(ct))!;
        }

        await using (var unchained = new NpgsqlCommand(
                         $"select {EventColumns} from {Schema}.mt_events e " +
                         $"where not exists (select 1 from {Schema}.audit_chain c where c.seq_id = e.seq_id) " +
                         $"and not exists (select 1 from {Schema}.audit_chain c where c.event_id = e.id) order by e.seq_id", connection, tx))
        await using (var r = await unchained.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                verifier.ObserveUnchained(ReadEvent(r, 0), lastChainedSeq);
            }
        }

        await tx.CommitAsync(ct);
        return verifier.Finish();
    }

    public async Task<EventRow?> EventByIdAsync(NpgsqlConnection connection, Guid id, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"select {EventColumns} from {Schema}.mt_events e where e.id = @id limit 1", connection);
        command.Parameters.AddWithValue("id", id);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadEvent(r, 0) : null;
    }

    private static Checkpoint ReadCheckpoint(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetFieldValue<byte[]>(3), r.GetFieldValue<byte[]>(4),
        new DateTimeOffset(r.GetDateTime(5), TimeSpan.Zero), r.GetString(6), r.GetString(7), r.GetFieldValue<byte[]>(8))
    {
        NoteSignature = r.IsDBNull(9) ? null : r.GetFieldValue<byte[]>(9),
        Origin = r.IsDBNull(10) ? null : r.GetString(10),
    };

    /// <summary>The witnesses' cosignatures of a checkpoint, as note signature lines.</summary>
    public async Task<List<NoteSignature>> CosignaturesAsync(NpgsqlConnection connection, long checkpointId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"select witness, key_hash, signature from {Schema}.audit_cosignatures where checkpoint_id = @id order by id", connection);
        command.Parameters.AddWithValue("id", checkpointId);
        await using var r = await command.ExecuteReaderAsync(ct);
        var list = new List<NoteSignature>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new NoteSignature(r.GetString(0), r.GetFieldValue<byte[]>(1), r.GetFieldValue<byte[]>(2)));
        }

        return list;
    }

    public async Task InsertCosignatureAsync(NpgsqlConnection connection, long checkpointId, NoteSignature cosignature, string publicKeyPem, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"insert into {Schema}.audit_cosignatures (checkpoint_id, witness, key_hash, signature, public_key_pem) values (@id, @name, @hash, @signature, @pem)",
            connection);
        command.Parameters.AddWithValue("id", checkpointId);
        command.Parameters.AddWithValue("name", cosignature.Name);
        command.Parameters.AddWithValue("hash", cosignature.KeyHash);
        command.Parameters.AddWithValue("signature", cosignature.Signature);
        command.Parameters.AddWithValue("pem", publicKeyPem);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}

/// <summary>What the auditor brings to <see cref="AuditDatabase.VerifyAsync(NpgsqlDataSource, VerifyOptions, CancellationToken)"/>.</summary>
public sealed record VerifyOptions
{
    /// <summary>Published checkpoint keys (all of them after a rotation); empty: each checkpoint's own key.</summary>
    public IReadOnlyList<string> TrustedCheckpointKeys { get; init; } = [];

    /// <summary>Published seal keys; null: the keys the service registered in the database and the trusted checkpoint keys.</summary>
    public IReadOnlyList<string>? TrustedSealKeys { get; init; }

    /// <summary>Checkpoints kept from earlier: the store must extend each of them.</summary>
    public IReadOnlyList<TrustedCheckpoint> TrustedCheckpoints { get; init; } = [];

    /// <summary>Told the chain's length first, then how many links are verified.</summary>
    public IChainProgress? Progress { get; init; }
}
