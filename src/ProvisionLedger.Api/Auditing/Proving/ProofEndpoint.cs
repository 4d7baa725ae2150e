using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using Npgsql;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Storage;
using Wolverine.Http;

namespace ProvisionLedger.Api.Auditing.Proving;

/// <summary>
/// Proof that one event is part of a signed checkpoint: its leaf hash and the RFC 9162 audit path up to the checkpoint's
/// Merkle root, and nothing of the event itself: an auditor who needs the event reads it through the routes that log
/// reads, hashes its canonical text and compares the leaf. The path is cut from cached block hashes and two blocks of
/// leaves (<see cref="MerkleBlocks"/>), not from the whole tree.
/// </summary>
public sealed record InclusionProofView(
    long SeqId,
    long Position,
    string Leaf,
    long LeafIndex,
    long TreeSize,
    IReadOnlyList<string> AuditPath,
    CheckpointView Checkpoint);

public static class ProofEndpoint
{
    [WolverineGet("/api/v1/audit/proofs/{seq}")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(
        long seq, long? checkpoint, Actor actor, AuditConnections connections, ReadAccessLog reads, CancellationToken ct)
    {
        await reads.RecordAsync(actor, "audit/proofs", 0, ct: ct);
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        var signed = await connections.Tables.CheckpointAsync(connection, checkpoint, ct);
        if (signed is null)
        {
            return Problems.NotFound("The checkpoint");
        }

        var tables = connections.Tables;
        await using var command = new NpgsqlCommand(
            $"select {AuditDatabase.ChainColumns} from {tables.Schema}.audit_chain c where c.seq_id = @seq", connection);
        command.Parameters.AddWithValue("seq", seq);
        ChainEntry entry;
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                return Problems.NotFound("The event");
            }

            entry = AuditDatabase.ReadEntry(r, 0);
        }

        if (entry.Position > signed.Sequence)
        {
            return Problems.Conflict("The event is newer than the checkpoint.", "Make a checkpoint (POST /api/v1/audit/checkpoints) and ask again.");
        }

        var size = signed.Sequence;
        var index = entry.Position - 1;
        var leaf = MerkleTree.Leaf(entry.EventDigest);
        var blocks = await tables.BlockHashesAsync(connection, size, ct);
        var path = new MerkleBlocks(size, blocks, await tables.LeavesAsync(connection, MerkleBlocks.LeafRangesFor(index, size), ct)).AuditPath(index);
        if (!MerkleTree.VerifyInclusion(index, size, leaf, path, signed.MerkleRoot))
        {
            // A damaged cache row, or a chain that no longer matches its checkpoint: cut the path from the whole tree.
            // If that fails too, the auditor receives a proof that does not verify, which is the finding.
            path = new MerkleLevels(await tables.LeavesAsync(connection, 0, size, ct)).AuditPath(index);
        }

        return Results.Ok(new InclusionProofView(
            entry.SeqId, entry.Position, Convert.ToHexStringLower(leaf), index, size, path.Select(Convert.ToHexStringLower).ToList(), CheckpointView.Of(signed)));
    }
}
