using System.Globalization;
using System.Text.Json;

namespace ProvisionLedger.Integrity;

/// <summary>
/// A checkpoint an auditor or witness kept from earlier: the tree size and Merkle root that any later store must extend.
/// Read from the JSON of <c>GET /api/v1/audit/checkpoints/{id}</c> or from its C2SP signed note.
/// </summary>
public sealed record TrustedCheckpoint(long Size, byte[] MerkleRoot, string Label)
{
    /// <summary>
    /// Reads a kept checkpoint. With <paramref name="trustedKeyPems"/>, its signature must verify with one of them (a note: the
    /// log's line; JSON: the checkpoint signature), or it is refused.
    /// </summary>
    public static TrustedCheckpoint Parse(string text, string label, IReadOnlyList<string> trustedKeyPems)
    {
        if (text.TrimStart().StartsWith('{'))
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            var checkpoint = new Checkpoint(
                root.GetProperty("id").GetInt64(), root.GetProperty("sequence").GetInt64(),
                root.TryGetProperty("lastSeqId", out var last) && last.ValueKind == JsonValueKind.Number ? last.GetInt64() : null,
                Convert.FromHexString(root.GetProperty("chainHead").GetString()!), Convert.FromHexString(root.GetProperty("merkleRoot").GetString()!),
                DateTimeOffset.Parse(root.GetProperty("signedAt").GetString()!, CultureInfo.InvariantCulture), root.GetProperty("keyId").GetString()!,
                "", Convert.FromBase64String(root.GetProperty("signature").GetString()!));
            if (trustedKeyPems.Count > 0 && !trustedKeyPems.Any(k => CheckpointSigner.Verify(checkpoint, k)))
            {
                throw new InvalidOperationException($"The trusted checkpoint {label} (size {checkpoint.Sequence}) does not verify with the trusted key(s).");
            }

            return new TrustedCheckpoint(checkpoint.Sequence, checkpoint.MerkleRoot, label);
        }

        var note = CheckpointNote.Parse(text);
        if (trustedKeyPems.Count > 0 && !trustedKeyPems.Any(note.IsSignedBy))
        {
            throw new InvalidOperationException($"The trusted checkpoint {label} (size {note.Size}) is not signed by the trusted key(s).");
        }

        return new TrustedCheckpoint(note.Size, note.RootHash, label);
    }
}
