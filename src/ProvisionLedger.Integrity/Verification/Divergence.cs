namespace ProvisionLedger.Integrity.Verification;

public enum DivergenceKind
{
    /// <summary>An event row no longer hashes to the digest chained for it.</summary>
    Changed,

    /// <summary>A chained event is gone from <c>mt_events</c>, or positions are missing from the chain.</summary>
    Missing,

    /// <summary>An event row that was never chained (written with the chain trigger bypassed).</summary>
    Inserted,

    /// <summary>A chained event now sits at another sequence number than the one chained.</summary>
    Reordered,

    /// <summary>The chain table itself was edited: a stored link does not follow from the one before.</summary>
    BrokenLink,

    /// <summary>A checkpoint's signature does not verify with the trusted key.</summary>
    BadSignature,

    /// <summary>A signed checkpoint disagrees with the chain (its head or Merkle root, or a chain shorter than it).</summary>
    CheckpointMismatch,

    /// <summary>An event no seal covers: it was written without the service's seal key (e.g. a plain INSERT).</summary>
    Unsealed,

    /// <summary>An event whose seal does not verify with the seal keys, or no longer matches the row.</summary>
    BadSeal,
}

public sealed record Divergence(DivergenceKind Kind, long? SeqId, long? Position, string? StreamId, string Detail)
{
    public string KindName => Kind switch
    {
        DivergenceKind.BrokenLink => "broken-link",
        DivergenceKind.BadSignature => "bad-signature",
        DivergenceKind.CheckpointMismatch => "checkpoint-mismatch",
        DivergenceKind.BadSeal => "bad-seal",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    public override string ToString() =>
        $"{KindName}: seq {SeqId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}" +
        $"{(Position is { } p ? $" (chain position {p})" : "")}" +
        $"{(StreamId is null ? "" : $", stream {StreamId}")}: {Detail}";
}

public sealed class VerificationReport
{
    public const int MaxListed = 1000;

    public long EventsChecked { get; init; }

    public long Links { get; init; }

    public long Inserted { get; init; }

    /// <summary>Events not integrated into the chain yet, verified by their seals alone.</summary>
    public long Pending { get; init; }

    public int CheckpointsChecked { get; init; }

    /// <summary>Seals read and checked (0 when seals were not checked).</summary>
    public long SealsChecked { get; init; }

    /// <summary>Marten's tombstones among the events: content-free gap fillers of rolled-back writes, unsealed by nature.</summary>
    public long Tombstones { get; init; }

    /// <summary>Events below this sequence number predate sealing and are covered by the chain alone; null when seals were not checked.</summary>
    public long? SealedFromSeq { get; init; }

    /// <summary>The key ids of the checkpoints checked, in the order first seen.</summary>
    public IReadOnlyList<string> KeyIds { get; init; } = [];

    public byte[] ChainHead { get; init; } = HashChain.Genesis;

    public long DivergenceCount { get; init; }

    /// <summary>Ordered by sequence number (those without one last), at most <see cref="MaxListed"/>.</summary>
    public IReadOnlyList<Divergence> Divergences { get; init; } = [];

    public TimeSpan Elapsed { get; init; }

    public bool Intact => DivergenceCount == 0;

    public Divergence? First => Divergences.Count == 0 ? null : Divergences[0];

    public string Summary() => Intact
        ? $"intact: {Links} events chained and verified, {CheckpointsChecked} checkpoint(s) verified, " +
          (SealedFromSeq is { } from ? $"{SealsChecked} seal(s) verified{(from > 1 ? $" (events before seq {from} predate sealing)" : "")}, " : "") +
          (Pending > 0 ? $"{Pending} event(s) not integrated yet verified by seal, " : "") +
          (Tombstones > 0 ? $"{Tombstones} Marten tombstone(s) (content-free fillers of rolled-back writes), " : "") +
          $"chain head {Convert.ToHexStringLower(ChainHead)} ({Elapsed.TotalSeconds:0.0} s)"
        : $"NOT intact: {DivergenceCount} divergence(s); first: {First}";
}

/// <summary>Told how long a verification or an export is and how far it has come (a progress bar, a log line).</summary>
public interface IChainProgress
{
    void SetTotal(long total);

    void Report(long done);
}
