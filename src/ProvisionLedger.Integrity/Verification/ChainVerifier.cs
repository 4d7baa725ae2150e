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
    private byte[] _previousLink = HashChain.Genesis;
    private long _lastPosition;
    private long _divergenceCount;
    private long _eventsChecked;
    private long _inserted;
    private int _checkpointCount;

    private readonly SealIndex? _seals;

    /// <param name="trustedPublicKeyPem">The published checkpoint key; without it, each checkpoint's own key is used and only its key id can be compared by eye.</param>
    /// <param name="seals">The seals read and checked; null checks no seals (an export without them).</param>
    public ChainVerifier(string? trustedPublicKeyPem = null, SealIndex? seals = null)
    {
        _trustedPublicKeyPem = trustedPublicKeyPem;
        _seals = seals;
    }

    public void AddCheckpoints(IEnumerable<Checkpoint> checkpoints)
    {
        foreach (var checkpoint in checkpoints)
        {
            _checkpointCount++;
            if (!CheckpointSigner.Verify(checkpoint, _trustedPublicKeyPem ?? checkpoint.PublicKeyPem))
            {
                Report(new Divergence(DivergenceKind.BadSignature, checkpoint.LastSeqId, checkpoint.Sequence, null,
                    $"checkpoint {checkpoint.Id} (sequence {checkpoint.Sequence}, key {checkpoint.KeyId}) does not verify" +
                    (_trustedPublicKeyPem is null ? "" : " with the trusted key")));
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

    /// <summary>An event row that has no link at all.</summary>
    public void ObserveUnchained(EventRow row)
    {
        _inserted++;
        Report(new Divergence(DivergenceKind.Inserted, row.SeqId, null, row.StreamId,
            $"event {row.Id} ({row.Type}) is in the event store but was never chained"));
    }

    /// <summary>Closes the walk: checkpoints beyond the chain's end mean the chain lost its tail.</summary>
    public VerificationReport Finish()
    {
        foreach (var (sequence, list) in _checkpoints)
        {
            foreach (var checkpoint in list)
            {
                Report(new Divergence(DivergenceKind.CheckpointMismatch, checkpoint.LastSeqId, sequence, null,
                    $"checkpoint {checkpoint.Id} covers {sequence} events but the chain holds only {_lastPosition}"));
            }
        }

        return new VerificationReport
        {
            EventsChecked = _eventsChecked,
            Links = _lastPosition,
            Inserted = _inserted,
            CheckpointsChecked = _checkpointCount,
            SealsChecked = _seals?.SealsChecked ?? 0,
            SealedFromSeq = _seals?.SealedFromSeq,
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
