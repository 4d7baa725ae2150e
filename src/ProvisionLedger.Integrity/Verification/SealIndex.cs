using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ProvisionLedger.Integrity.Verification;

/// <summary>
/// Every seal read, checked against the seal keys, indexed by sequence number, so each event row can then be checked
/// against the digest its appending transaction signed. Events below <see cref="SealedFromSeq"/> were recorded before
/// sealing was installed and are covered by the chain alone.
/// </summary>
public sealed class SealIndex
{
    private readonly ConcurrentDictionary<long, byte[]> _sealed = new();
    private readonly ConcurrentDictionary<long, long> _badlySealed = new();

    public SealIndex(long sealedFromSeq) => SealedFromSeq = sealedFromSeq;

    public long SealedFromSeq { get; }

    public long SealsChecked { get; private set; }

    public long BadSeals => _badSealIds.Count;

    private readonly ConcurrentDictionary<long, bool> _badSealIds = new();

    private readonly ConcurrentDictionary<long, bool> _tombstones = new();

    /// <summary>Marten's tombstones met (gap fillers of rolled-back writes: unsealed, content-free, accepted).</summary>
    public long Tombstones => _tombstones.Count;

    /// <summary>Checks each seal's signature (in parallel) and indexes its events.</summary>
    public void Add(IReadOnlyCollection<EventSeal> seals, SealKeys keys)
    {
        Parallel.ForEach(seals, seal =>
        {
            var good = keys.Verify(seal);
            if (!good)
            {
                _badSealIds[seal.Id] = true;
            }

            for (var i = 0; i < seal.SeqIds.Length && i < seal.Digests.Length; i++)
            {
                if (good)
                {
                    _sealed[seal.SeqIds[i]] = seal.Digests[i];
                }
                else
                {
                    _badlySealed.TryAdd(seal.SeqIds[i], seal.Id);
                }
            }
        });
        SealsChecked += seals.Count;
    }

    /// <summary>The divergence of one event row, if its seal is missing, forged or no longer matches it.</summary>
    public Divergence? Check(EventRow row, long? position)
    {
        if (row.SeqId < SealedFromSeq)
        {
            return null;
        }

        if (!_sealed.ContainsKey(row.SeqId) && !_badlySealed.ContainsKey(row.SeqId) && CanonicalEvent.IsMartenTombstone(row))
        {
            _tombstones[row.SeqId] = true;
            return null;
        }

        if (_sealed.TryGetValue(row.SeqId, out var digest))
        {
            return CryptographicOperations.FixedTimeEquals(CanonicalEvent.SealedDigest(row), digest)
                ? null
                : new Divergence(DivergenceKind.BadSeal, row.SeqId, position, row.StreamId,
                    $"event {row.Id} ({row.Type}) does not match the digest its transaction sealed");
        }

        return _badlySealed.TryGetValue(row.SeqId, out var sealId)
            ? new Divergence(DivergenceKind.BadSeal, row.SeqId, position, row.StreamId,
                $"event {row.Id} ({row.Type}) is covered only by seal {sealId}, whose signature does not verify with the seal keys")
            : new Divergence(DivergenceKind.Unsealed, row.SeqId, position, row.StreamId,
                $"event {row.Id} ({row.Type}) carries no seal: it was not written by the service");
    }
}
