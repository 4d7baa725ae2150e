using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Integrity;

/// <summary>
/// One appending transaction's seal: the service's signature, made before commit with a key the database never holds,
/// over the sequence numbers and sealed digests (<see cref="CanonicalEvent.SealedDigest"/>) of the events it wrote.
/// An event without a seal, or whose row no longer matches its sealed digest, was not written by the service as it is.
/// </summary>
public sealed record EventSeal(long Id, DateTimeOffset SealedAt, string KeyId, long[] SeqIds, byte[][] Digests, byte[] Signature)
{
    public const string Version = "provision-ledger/seal/v1";

    /// <summary>The exact bytes signed: fixed lines, one per event in the order given, checkable with openssl.</summary>
    public static byte[] SignedPayload(DateTimeOffset sealedAt, string keyId, IReadOnlyList<long> seqIds, IReadOnlyList<byte[]> digests)
    {
        if (seqIds.Count != digests.Count)
        {
            throw new ArgumentException("A seal has one digest per sequence number.", nameof(digests));
        }

        var text = new StringBuilder(64 + seqIds.Count * 84);
        text.Append(Version).Append('\n')
            .Append("sealedAt=").Append(CanonicalEvent.Timestamp(sealedAt.UtcDateTime)).Append('\n')
            .Append("keyId=").Append(keyId).Append('\n');
        for (var i = 0; i < seqIds.Count; i++)
        {
            text.Append(seqIds[i].ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Convert.ToHexStringLower(digests[i])).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public byte[] SignedPayload() => SignedPayload(SealedAt, KeyId, SeqIds, Digests);
}

/// <summary>ECDSA P-256 / SHA-256 (DER) seals with the service's seal key (by default the checkpoint key).</summary>
public sealed class SealSigner : IDisposable
{
    private readonly ECDsa _key;

    public SealSigner(string privateKeyPem)
    {
        _key = ECDsa.Create();
        _key.ImportFromPem(privateKeyPem);
        if (_key.KeySize != 256)
        {
            _key.Dispose();
            throw new InvalidOperationException("The seal key must be an ECDSA P-256 key.");
        }

        PublicKeyPem = _key.ExportSubjectPublicKeyInfoPem();
        KeyId = CheckpointSigner.KeyIdOf(PublicKeyPem);
    }

    public string PublicKeyPem { get; }

    public string KeyId { get; }

    public EventSeal Seal(long[] seqIds, byte[][] digests, DateTimeOffset sealedAt)
    {
        // PostgreSQL keeps microseconds: sign the time as it will be read back.
        var at = new DateTimeOffset(sealedAt.UtcTicks - sealedAt.UtcTicks % 10, TimeSpan.Zero);
        var signature = _key.SignData(EventSeal.SignedPayload(at, KeyId, seqIds, digests), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        return new EventSeal(0, at, KeyId, seqIds, digests, signature);
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>Public seal keys by key id: the auditor's trusted keys, or the ones the service registered. Safe to use from several threads.</summary>
public sealed class SealKeys : IDisposable
{
    private readonly Dictionary<string, string> _pems = new(StringComparer.Ordinal);
    private readonly ThreadLocal<Dictionary<string, ECDsa>> _imported = new(() => new Dictionary<string, ECDsa>(StringComparer.Ordinal), trackAllValues: true);

    public SealKeys(IEnumerable<string> publicKeyPems)
    {
        foreach (var pem in publicKeyPems)
        {
            _pems[CheckpointSigner.KeyIdOf(pem)] = pem;
        }
    }

    public IReadOnlyCollection<string> KeyIds => _pems.Keys;

    public bool Verify(EventSeal seal)
    {
        if (!_pems.TryGetValue(seal.KeyId, out var pem) || seal.SeqIds.Length != seal.Digests.Length)
        {
            return false;
        }

        var keys = _imported.Value!;
        if (!keys.TryGetValue(seal.KeyId, out var key))
        {
            key = ECDsa.Create();
            key.ImportFromPem(pem);
            keys[seal.KeyId] = key;
        }

        try
        {
            return key.VerifyData(seal.SignedPayload(), seal.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var key in _imported.Values.SelectMany(k => k.Values))
        {
            key.Dispose();
        }

        _imported.Dispose();
    }
}
