using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Integrity;

/// <summary>
/// A checkpoint in the C2SP tlog-checkpoint format, as a C2SP signed note: the text <c>origin\nsize\nbase64(root)\n</c>,
/// a blank line, then one line per signature, <c>— name base64(keyHash ‖ signature)</c>. The log's own line is an
/// ECDSA P-256 / SHA-256 signature (DER) over the text with the checkpoint key, key hash = the first 4 bytes of SHA-256
/// over the key's SubjectPublicKeyInfo (the signed-note ECDSA convention). Witness cosignatures are lines of the same
/// shape whose signature is an 8-byte big-endian Unix time followed by an ECDSA signature over
/// <c>cosignature/v1\ntime T\n</c> and the text (the shape of C2SP tlog-cosignature, with ECDSA instead of Ed25519).
/// </summary>
public sealed record CheckpointNote(string Origin, long Size, byte[] RootHash, IReadOnlyList<NoteSignature> Signatures)
{
    public const string Dash = "\u2014 ";

    public string Text => Body(Origin, Size, RootHash);

    public static string Body(string origin, long size, byte[] rootHash) =>
        $"{origin}\n{size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(rootHash)}\n";

    public override string ToString() =>
        Text + "\n" + string.Concat(Signatures.Select(s => $"{Dash}{s.Name} {Convert.ToBase64String([.. s.KeyHash, .. s.Signature])}\n"));

    /// <summary>First 4 bytes of SHA-256 over the public key's SubjectPublicKeyInfo.</summary>
    public static byte[] KeyHash(string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..4];
    }

    public static CheckpointNote Parse(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("A signed note is text, a blank line and signature lines.");
        }

        var lines = note[..(split + 1)].Split('\n');
        if (lines.Length < 4 || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new FormatException("A checkpoint note starts with origin, tree size and root hash lines.");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith(Dash, StringComparison.Ordinal))
            {
                throw new FormatException($"Not a signature line: {line}");
            }

            var parts = line[Dash.Length..].Split(' ');
            var bytes = Convert.FromBase64String(parts[^1]);
            signatures.Add(new NoteSignature(string.Join(' ', parts[..^1]), bytes[..4], bytes[4..]));
        }

        return new CheckpointNote(lines[0], size, Convert.FromBase64String(lines[2]), signatures);
    }

    /// <summary>Does a line by <paramref name="publicKeyPem"/> sign this note as the log?</summary>
    public bool IsSignedBy(string publicKeyPem)
    {
        var hash = KeyHash(publicKeyPem);
        return Signatures.Where(s => s.KeyHash.AsSpan().SequenceEqual(hash)).Any(s => Verify(publicKeyPem, Encoding.UTF8.GetBytes(Text), s.Signature));
    }

    /// <summary>The cosignatures by <paramref name="publicKeyPem"/> that verify, with their times.</summary>
    public IEnumerable<DateTimeOffset> CosignaturesBy(string publicKeyPem)
    {
        var hash = KeyHash(publicKeyPem);
        foreach (var s in Signatures.Where(s => s.KeyHash.AsSpan().SequenceEqual(hash) && s.Signature.Length > 8))
        {
            var time = BinaryPrimitives.ReadInt64BigEndian(s.Signature);
            if (Verify(publicKeyPem, CosignedMessage(time, Text), s.Signature[8..]))
            {
                yield return DateTimeOffset.FromUnixTimeSeconds(time);
            }
        }
    }

    public static byte[] CosignedMessage(long unixTime, string text) =>
        Encoding.UTF8.GetBytes($"cosignature/v1\ntime {unixTime.ToString(CultureInfo.InvariantCulture)}\n{text}");

    /// <summary>Signs as the log (checkpoint key) or, with <paramref name="cosignedAt"/>, as a witness.</summary>
    public static NoteSignature Sign(string name, string privateKeyPem, string text, DateTimeOffset? cosignedAt = null)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privateKeyPem);
        var hash = SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..4];
        if (cosignedAt is not { } at)
        {
            return new NoteSignature(name, hash, key.SignData(Encoding.UTF8.GetBytes(text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }

        var time = at.ToUnixTimeSeconds();
        var signature = key.SignData(CosignedMessage(time, text), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var bytes = new byte[8 + signature.Length];
        BinaryPrimitives.WriteInt64BigEndian(bytes, time);
        signature.CopyTo(bytes, 8);
        return new NoteSignature(name, hash, bytes);
    }

    private static bool Verify(string publicKeyPem, byte[] message, byte[] signature)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(publicKeyPem);
            return key.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <param name="Name">The signer's key name (the log's origin, or the witness's name).</param>
/// <param name="KeyHash">4 bytes identifying the key.</param>
public sealed record NoteSignature(string Name, byte[] KeyHash, byte[] Signature);
