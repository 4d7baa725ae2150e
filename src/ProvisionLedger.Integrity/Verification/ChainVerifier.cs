using System.Diagnostics;
using System.Security.Cryptography;

namespace ProvisionLedger.Integrity.Verification;

/// <summary>
/// Walks the chain in position order, whatever the source (the database or an export). Each stored link is checked
/// against the one before (the chain table is intact), each event row against its stored digest (the row is intact),
/// and each signed checkpoint against the link and Merkle root at its position, so a divergence in one place does not
/// hide or fake another.
/// </summary>
public sealed class ChainVerifier
{
    private readonly string? _trustedPublicKeyPem;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Divergence> _divergences = [];
    private readonly SortedDictionary<long, List<Checkpoint>> _checkpoints = [];
    private readonly MerkleFrontier _frontier = new();
    private readonly List<string> _keyIds = [];
    private byte[] _previousLink = HashChain.Genesis;
    private long _lastPosition;
    private long _divergenceCount;
    private long _eventsChecked;
    private long _inserted;
    private long _pending;
    private int _checkpointCount;

    private readonly SealIndex? _seals;

    /// <param name="trustedPublicKeyPem">The published checkpoint key; without it, each checkpoint's own key is used and only its key id can be compared by eye.</param>
    /// <param name="seals">The seals read and checked; null checks no seals (an export without them).</param>
    public ChainVerifier(string? trustedPublicKeyPem = null, SealIndex? seals = null)
    {
        _trustedPublicKeyPem = trustedPublicKeyPem;
        _seals = seals;
    }

    /// <summary>
    /// Trusted checkpoint keys by key id (after a rotation, the old keys too); a checkpoint signed by a key not among them
    /// does not verify. Empty: each checkpoint's own key is used.
    /// </summary>
    public Dictionary<string, string> TrustedKeys { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// A checkpoint the auditor kept from earlier (<c>verify --trusted-checkpoint</c>): the chain's first
    /// <paramref name="size"/> links must have that Merkle root, or the store was rebuilt since.
    /// </summary>
    public void AddTrusted(long size, byte[] merkleRoot, string label)
    {
        var trusted = new Checkpoint(0, size, null, [], merkleRoot, default, "trusted", "", []);
        if (!_checkpoints.TryGetValue(size, out var list))
        {
            _checkpoints[size] = list = [];
        }

        list.Add(trusted);
        _trustedLabels[trusted] = label;
    }

    private readonly Dictionary<Checkpoint, string> _trustedLabels = new(ReferenceEqualityComparer.Instance);

    public void AddCheckpoints(IEnumerable<Checkpoint> checkpoints)
    {
        if (_trustedPublicKeyPem is not null)
        {
            TrustedKeys.TryAdd(CheckpointSigner.KeyIdOf(_trustedPublicKeyPem), _trustedPublicKeyPem);
        }

        foreach (var checkpoint in checkpoints)
        {
            _checkpointCount++;
            if (!_keyIds.Contains(checkpoint.KeyId))
            {
                _keyIds.Add(checkpoint.KeyId);
            }

            var key = TrustedKeys.Count == 0 ? checkpoint.PublicKeyPem : TrustedKeys.GetValueOrDefault(checkpoint.KeyId);
            if (key is null || !CheckpointSigner.Verify(checkpoint, key))
            {
                Report(new Divergence(DivergenceKind.BadSignature, checkpoint.LastSeqId, checkpoint.Sequence, null,
                    $"checkpoint {checkpoint.Id} (sequence {checkpoint.Sequence}, key {checkpoint.KeyId}) does not verify" +
                    (TrustedKeys.Count == 0 ? "" : key is null ? " (its key is not a trusted key)" : " with the trusted key")));
            }

            if (checkpoint.Sequence == 0)
            {
                continue;
            }

            if (!_checkpoints.TryGetValue(checkpoint.Sequence, out var list))
            {
                _checkpoints[checkpoint.Sequence] = list = [];
            }

            list.Add(checkpoint);
        }
    }

    /// <summary>
    /// One stored link and the rows found for it: <paramref name="rowAtSeq"/> is the row now at the chained seq id;
    /// <paramref name="rowWithId"/> the row now carrying the chained event id, when it differs (null if none).
    /// </summary>
    public void Observe(ChainEntry entry, EventRow? rowAtSeq, EventRow? rowWithId = null)
    {
        var reportedBefore = _divergenceCount;
        if (entry.Position != _lastPosition + 1)
        {
            Report(entry.Position > _lastPosition + 1
                ? new Divergence(DivergenceKind.Missing, entry.SeqId, _lastPosition + 1, null,
                    $"chain positions {_lastPosition + 1}..{entry.Position - 1} are missing from the chain")
                : new Divergence(DivergenceKind.BrokenLink, entry.SeqId, entry.Position, entry.StreamId, "chain position repeated"));
        }

        if (!CryptographicOperations.FixedTimeEquals(HashChain.Link(_previousLink, entry.EventDigest), entry.Link))
        {
            Report(new Divergence(DivergenceKind.BrokenLink, entry.SeqId, entry.Position, entry.StreamId,
                "the stored link does not follow from the previous link and the stored event digest"));
        }

        _eventsChecked++;
        if (rowAtSeq is not null && rowAtSeq.Id == entry.EventId)
        {
            if (!CryptographicOperations.FixedTimeEquals(CanonicalEvent.Digest(entry.Position, rowAtSeq), entry.EventDigest))
            {
                Report(new Divergence(DivergenceKind.Changed, entry.SeqId, entry.Position, rowAtSeq.StreamId ?? entry.StreamId,
                    $"event {entry.EventId} ({rowAtSeq.Type}) no longer matches its chained digest"));
            }
        }
        else if (rowWithId is not null)
        {
            Report(new Divergence(DivergenceKind.Reordered, entry.SeqId, entry.Position, rowWithId.StreamId ?? entry.StreamId,
                $"event {entry.EventId} was chained at seq {entry.SeqId} but now sits at seq {rowWithId.SeqId}"));
        }
        else if (rowAtSeq is not null)
        {
            Report(new Divergence(DivergenceKind.Changed, entry.SeqId, entry.Position, rowAtSeq.StreamId ?? entry.StreamId,
                $"seq {entry.SeqId} was event {entry.EventId} when chained; it now holds event {rowAtSeq.Id}"));
        }
        else
        {
            Report(new Divergence(DivergenceKind.Missing, entry.SeqId, entry.Position, entry.StreamId,
                $"event {entry.EventId} is chained but no longer in the event store"));
        }

        _frontier.Add(MerkleTree.Leaf(entry.EventDigest));
        if (_checkpoints.Remove(entry.Position, out var signed))
        {
            var root = _frontier.Root();
            foreach (var checkpoint in signed)
            {
                if (_trustedLabels.TryGetValue(checkpoint, out var label))
                {
                    if (!checkpoint.MerkleRoot.AsSpan().SequenceEqual(root))
                    {
                        Report(new Divergence(DivergenceKind.CheckpointMismatch, entry.SeqId, entry.Position, entry.StreamId,
                            $"the store is not consistent with the trusted checkpoint {label} at size {checkpoint.Sequence}: its first " +
                            $"{checkpoint.Sequence} events have another Merkle root (history rewritten since)"));
                    }

                    continue;
                }

                if (!checkpoint.ChainHead.AsSpan().SequenceEqual(entry.Link) || !checkpoint.MerkleRoot.AsSpan().SequenceEqual(root))
                {
                    Report(new Divergence(DivergenceKind.CheckpointMismatch, entry.SeqId, entry.Position, entry.StreamId,
                        $"checkpoint {checkpoint.Id} signed another chain head or Merkle root at sequence {checkpoint.Sequence}"));
                }
            }
        }

        // A row the chain already found changed, moved or missing is reported once, by the chain.
        if (rowAtSeq is not null && _divergenceCount == reportedBefore && _seals?.Check(rowAtSeq, entry.Position) is { } seal)
        {
            Report(seal);
        }

        _previousLink = entry.Link;
        _lastPosition = entry.Position;
    }

    /// <summary>
    /// An event row that has no link. A sealed one is waiting for the integrator (or is a late commit it will pick up)
    /// and is verified by its seal alone; an unsealed or badly sealed one is reported: as inserted when it sits below the
    /// chain's last sequence number (the integrator would have chained it), by its seal otherwise.
    /// </summary>
    public void ObserveUnchained(EventRow row, long lastChainedSeq = long.MaxValue)
    {
        var seal = _seals?.Check(row, null);
        if (_seals is not null && seal is null && row.SeqId >= _seals.SealedFromSeq)
        {
            _pending++;
            return;
        }

        if (seal is not null && row.SeqId > lastChainedSeq)
        {
            Report(seal);
            return;
        }

        _inserted++;
        Report(new Divergence(DivergenceKind.Inserted, row.SeqId, null, row.StreamId,
            $"event {row.Id} ({row.Type}) is in the event store but was never chained" + (seal is null ? "" : " nor sealed")));
    }

    /// <summary>Closes the walk: checkpoints beyond the chain's end mean the chain lost its tail.</summary>
    public VerificationReport Finish()
    {
        foreach (var (sequence, list) in _checkpoints)
        {
            foreach (var checkpoint in list)
            {
                Report(new Divergence(DivergenceKind.CheckpointMismatch, checkpoint.LastSeqId, sequence, null,
                    _trustedLabels.TryGetValue(checkpoint, out var label)
                        ? $"the store is not consistent with the trusted checkpoint {label} at size {sequence}: the chain holds only {_lastPosition}"
                        : $"checkpoint {checkpoint.Id} covers {sequence} events but the chain holds only {_lastPosition}"));
            }
        }

        return new VerificationReport
        {
            EventsChecked = _eventsChecked,
            Links = _lastPosition,
            Inserted = _inserted,
            Pending = _pending,
            CheckpointsChecked = _checkpointCount,
            SealsChecked = _seals?.SealsChecked ?? 0,
            Tombstones = _seals?.Tombstones ?? 0,
            SealedFromSeq = _seals?.SealedFromSeq,
            KeyIds = _keyIds,
            ChainHead = _previousLink,
            DivergenceCount = _divergenceCount,
            Divergences = _divergences
                .OrderBy(d => d.SeqId ?? long.MaxValue).ThenBy(d => d.Position ?? long.MaxValue)
                .ToList(),
            Elapsed = _clock.Elapsed,
        };
    }

    private void Report(Divergence divergence)
    {
        _divergenceCount++;
        if (_divergences.Count < VerificationReport.MaxListed)
        {
            _divergences.Add(divergence);
        }
    }
}
