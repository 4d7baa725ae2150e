using ProvisionLedger.Integrity;

namespace ProvisionLedger.Api.Auditing.Checkpointing;

/// <summary>Makes signed checkpoints of the chain's committed head and reads them back.</summary>
public sealed class CheckpointService(AuditOptions options, AuditConnections connections, TimeProvider clock)
{
    public bool CanSign => options.SigningKeyPem is not null;

    public async Task<Checkpoint> MakeAsync(CancellationToken ct = default)
    {
        using var signer = options.Signer();
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);

        // Every position up to the committed head is committed too, so the leaves read next are exactly those up to it.
        // The Merkle tree resumes from the previous checkpoint's frontier: only newer digests are read.
        var head = await connections.Tables.HeadAsync(connection, ct);
        var previous = await connections.Tables.CheckpointAsync(connection, null, ct);
        var frontier = previous is not null && previous.Sequence <= head.Position
            ? await connections.Tables.FrontierAsync(connection, previous, ct) ?? new MerkleFrontier()
            : new MerkleFrontier();
        foreach (var leaf in await connections.Tables.LeavesAsync(connection, frontier.Count, head.Position, ct))
        {
            frontier.Add(leaf);
        }

        if (frontier.Count != head.Position)
        {
            throw new InvalidOperationException($"The chain holds {frontier.Count} links below head position {head.Position}; run `verify`.");
        }

        var checkpoint = signer.Sign(head.Position, head.LastSeqId, head.Link, frontier.Root(), clock.GetUtcNow(), options.Origin);
        // Written outside the database before the row commits: a checkpoint that cannot be archived is not made.
        await using var tx = await connection.BeginTransactionAsync(ct);
        var made = await connections.Tables.InsertCheckpointAsync(connection, checkpoint, frontier, ct);
        if (options.CheckpointDirectory is { } directory)
        {
            await CheckpointArchive.AppendAsync(directory, made, ct);
        }

        await tx.CommitAsync(ct);

        // Keeps inclusion proofs against this checkpoint from reading the whole chain.
        await connections.Tables.BlockHashesAsync(connection, made.Sequence, ct);
        return made;
    }

    public async Task<Checkpoint?> FindAsync(long? id, CancellationToken ct = default)
    {
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        return await connections.Tables.CheckpointAsync(connection, id, ct);
    }

    /// <summary>A checkpoint with its witnesses' cosignatures, as the API shows it.</summary>
    public async Task<CheckpointView?> ViewAsync(long? id, CancellationToken ct = default)
    {
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        var checkpoint = await connections.Tables.CheckpointAsync(connection, id, ct);
        return checkpoint is null ? null : CheckpointView.Of(checkpoint, await connections.Tables.CosignaturesAsync(connection, checkpoint.Id, ct));
    }

    /// <summary>
    /// Keeps a witness's cosignature if it verifies with the key given over this checkpoint's note; false otherwise.
    /// The key is the witness's: whoever relies on the cosignature checks that key out of band.
    /// </summary>
    public async Task<bool> AddCosignatureAsync(Checkpoint checkpoint, NoteSignature cosignature, string witnessPublicKeyPem, CancellationToken ct = default)
    {
        var note = checkpoint.Note([cosignature]);
        if (note is null || !note.CosignaturesBy(witnessPublicKeyPem).Any())
        {
            return false;
        }

        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        await connections.Tables.InsertCosignatureAsync(connection, checkpoint.Id, cosignature, witnessPublicKeyPem, ct);
        return true;
    }

    public async Task<long> ChainLengthAsync(CancellationToken ct = default)
    {
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        return (await connections.Tables.HeadAsync(connection, ct)).Position;
    }

    public string PublicKeyPem()
    {
        using var signer = options.Signer();
        return signer.PublicKeyPem;
    }
}

/// <summary>A checkpoint as the API shows it: hashes in hex, the DER signature in base64, the C2SP signed note and its cosignatures.</summary>
public sealed record CheckpointView(
    long Id,
    long Sequence,
    long? LastSeqId,
    string ChainHead,
    string MerkleRoot,
    DateTimeOffset SignedAt,
    string KeyId,
    string Signature,
    string Algorithm,
    string? Note = null,
    IReadOnlyList<CosignatureView>? Cosignatures = null)
{
    public static CheckpointView Of(Checkpoint c, IReadOnlyList<NoteSignature>? cosignatures = null) => new(
        c.Id, c.Sequence, c.LastSeqId, Convert.ToHexStringLower(c.ChainHead), Convert.ToHexStringLower(c.MerkleRoot), c.SignedAt, c.KeyId,
        Convert.ToBase64String(c.Signature), "ECDSA-P256-SHA256 (DER)", c.Note(cosignatures)?.ToString(),
        (cosignatures ?? []).Select(s => new CosignatureView(s.Name, Convert.ToHexStringLower(s.KeyHash),
            s.Signature.Length > 8 ? DateTimeOffset.FromUnixTimeSeconds(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(s.Signature)) : null)).ToList());
}

/// <summary>One witness's cosignature: its name, key hash and the time it cosigned.</summary>
public sealed record CosignatureView(string Witness, string KeyHash, DateTimeOffset? CosignedAt);

/// <summary>
/// Checkpoints written outside the database (<c>Ledger:Audit:CheckpointDirectory</c>), append-only: one JSON line per
/// checkpoint in <c>checkpoints.jsonl</c> (opened for appending only), and each checkpoint's signed note in a file of its
/// own, created once and never rewritten (<c>checkpoint-{sequence}-{id}.note</c>).
/// </summary>
public static class CheckpointArchive
{
    public const string LogFile = "checkpoints.jsonl";

    public static async Task AppendAsync(string directory, Checkpoint checkpoint, CancellationToken ct = default)
    {
        Directory.CreateDirectory(directory);
        var line = System.Text.Json.JsonSerializer.Serialize(CheckpointView.Of(checkpoint), Json) + "\n";
        await using (var log = new FileStream(Path.Combine(directory, LogFile), FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            await log.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), ct);
            await log.FlushAsync(ct);
        }

        if (checkpoint.Note() is { } note)
        {
            await using var file = new FileStream(Path.Combine(directory, $"checkpoint-{checkpoint.Sequence}-{checkpoint.Id}.note"), FileMode.CreateNew, FileAccess.Write);
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(note.ToString()), ct);
            await file.FlushAsync(ct);
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);
}
