using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Integrity;

/// <summary>
/// A signed statement "the chain had <see cref="Sequence"/> links, ending in <see cref="ChainHead"/>, whose Merkle root is
/// <see cref="MerkleRoot"/>". Sequence is the chain position (the count of events chained), not a Marten seq_id.
/// </summary>
public sealed record Checkpoint(
    long Id,
    long Sequence,
    long? LastSeqId,
    byte[] ChainHead,
    byte[] MerkleRoot,
    DateTimeOffset SignedAt,
    string KeyId,
    string PublicKeyPem,
    byte[] Signature)
{
    /// <summary>The log's ECDSA signature over <see cref="CheckpointNote.Body"/> (null on checkpoints made before notes existed).</summary>
    public byte[]? NoteSignature { get; init; }

    /// <summary>The origin line of the note (null with <see cref="NoteSignature"/>).</summary>
    public string? Origin { get; init; }

    /// <summary>The checkpoint as a C2SP signed note, with the cosignatures given; null before notes existed.</summary>
    public CheckpointNote? Note(IEnumerable<NoteSignature>? cosignatures = null) =>
        NoteSignature is null || Origin is null
            ? null
            : new CheckpointNote(Origin, Sequence, MerkleRoot,
                [new NoteSignature(Origin, CheckpointNote.KeyHash(PublicKeyPem), NoteSignature), .. cosignatures ?? []]);

    public const string Version = "provision-ledger/checkpoint/v1";

    /// <summary>The exact bytes signed: fixed lines, so anyone can rebuild and check them with openssl.</summary>
    public static byte[] SignedPayload(long sequence, byte[] chainHead, byte[] merkleRoot, DateTimeOffset signedAt, string keyId) =>
        Encoding.UTF8.GetBytes(
            $"{Version}\nsequence={sequence.ToString(CultureInfo.InvariantCulture)}\nchainHead={Convert.ToHexStringLower(chainHead)}\n" +
            $"merkleRoot={Convert.ToHexStringLower(merkleRoot)}\nsignedAt={CanonicalEvent.Timestamp(signedAt.UtcDateTime)}\nkeyId={keyId}\n");

    public byte[] SignedPayload() => SignedPayload(Sequence, ChainHead, MerkleRoot, SignedAt, KeyId);
}

/// <summary>ECDSA P-256 / SHA-256 signatures (DER, as openssl writes them) over checkpoint payloads.</summary>
public sealed class CheckpointSigner : IDisposable
{
    private readonly ECDsa _key;

    public CheckpointSigner(string privateKeyPem)
    {
        _key = ECDsa.Create();
        _key.ImportFromPem(privateKeyPem);
        if (_key.KeySize != 256)
        {
            _key.Dispose();
            throw new InvalidOperationException("The checkpoint signing key must be an ECDSA P-256 key.");
        }

        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
        KeyId = KeyIdOf(PublicKeyPem);
    }

    public string PublicKeyPem { get; }

    public string KeyId { get; }

    /// <summary>The first 16 bytes of SHA-256 over the public key's SubjectPublicKeyInfo, in hex.</summary>
    public static string KeyIdOf(string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 16));
    }

    public Checkpoint Sign(long sequence, long? lastSeqId, byte[] chainHead, byte[] merkleRoot, DateTimeOffset signedAt)
    {
        // PostgreSQL keeps microseconds: sign the time as it will be read back.
        var at = new DateTimeOffset(signedAt.UtcTicks - signedAt.UtcTicks % 10, TimeSpan.Zero);
        var signature = _key.SignData(Checkpoint.SignedPayload(sequence, chainHead, merkleRoot, at, KeyId), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        return new Checkpoint(0, sequence, lastSeqId, chainHead, merkleRoot, at, KeyId, PublicKeyPem, signature);
    }

    /// <summary>Signs the checkpoint and its C2SP note (origin, size, Merkle root).</summary>
    public Checkpoint Sign(long sequence, long? lastSeqId, byte[] chainHead, byte[] merkleRoot, DateTimeOffset signedAt, string origin) =>
        Sign(sequence, lastSeqId, chainHead, merkleRoot, signedAt) with
        {
            Origin = origin,
            NoteSignature = _key.SignData(System.Text.Encoding.UTF8.GetBytes(CheckpointNote.Body(origin, sequence, merkleRoot)),
                HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
        };

    /// <summary>Checks the signature with <paramref name="publicKeyPem"/> (a trusted key, or the one the checkpoint names).</summary>
    public static bool Verify(Checkpoint checkpoint, string publicKeyPem)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(publicKeyPem);
            return KeyIdOf(publicKeyPem) == checkpoint.KeyId
                   && key.VerifyData(checkpoint.SignedPayload(), checkpoint.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    public void Dispose() => _key.Dispose();
}
