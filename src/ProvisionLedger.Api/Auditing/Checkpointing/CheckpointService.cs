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

        var checkpoint = signer.Sign(head.Position, head.LastSeqId, head.Link, frontier.Root(), clock.GetUtcNow());
        var made = await connections.Tables.InsertCheckpointAsync(connection, checkpoint, frontier, ct);

        // Keeps inclusion proofs against this checkpoint from reading the whole chain.
        await connections.Tables.BlockHashesAsync(connection, made.Sequence, ct);
        return made;
    }

    public async Task<Checkpoint?> FindAsync(long? id, CancellationToken ct = default)
    {
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        return await connections.Tables.CheckpointAsync(connection, id, ct);
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

/// <summary>A checkpoint as the API shows it: hashes in hex, the DER signature in base64.</summary>
public sealed record CheckpointView(
    long Id,
    long Sequence,
    long? LastSeqId,
    string ChainHead,
    string MerkleRoot,
    DateTimeOffset SignedAt,
    string KeyId,
    string Signature,
    string Algorithm)
{
    public static CheckpointView Of(Checkpoint c) => new(
        c.Id, c.Sequence, c.LastSeqId, Convert.ToHexStringLower(c.ChainHead), Convert.ToHexStringLower(c.MerkleRoot), c.SignedAt, c.KeyId,
        Convert.ToBase64String(c.Signature), "ECDSA-P256-SHA256 (DER)");
}
