using System.Security.Cryptography;
using System.Text.Json;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Integrity.Bundles;

/// <summary>
/// Verifies a bundle offline: every event against its digest, its proof and the signed checkpoint. The file is read as a
/// stream, one event at a time, so memory does not grow with the bundle. A file that is not a well-formed bundle is an
/// <see cref="InvalidBundleException"/>; a well-formed one that does not verify is a report with divergences.
/// </summary>
public static class BundleVerifier
{
    private static readonly string[] Members = ["format", "exportedAt", "selection", "checkpoint", "events"];

    /// <param name="bytesProgress">Told the file's size, then how many bytes are read: the event count is not known up front.</param>
    public static async Task<VerificationReport> VerifyFileAsync(string path, string? trustedPublicKeyPem = null, IChainProgress? bytesProgress = null,
        CancellationToken ct = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        bytesProgress?.SetTotal(file.Length);
        return await VerifyAsync(file, trustedPublicKeyPem, bytesProgress is null ? null : new BytesRead(file, bytesProgress), ct);
    }

    /// <summary>
    /// Reads the members in the order the exporter writes them (format, exportedAt, selection, checkpoint, events), so
    /// each event can be checked as it is read.
    /// </summary>
    public static async Task<VerificationReport> VerifyAsync(Stream bundle, string? trustedPublicKeyPem = null, IChainProgress? progress = null,
        CancellationToken ct = default)
    {
        var json = new JsonStreamReader(bundle);
        if ((await json.NextAsync(ct)).Type != JsonTokenType.StartObject)
        {
            throw new InvalidBundleException("the file is not a JSON object");
        }

        BundleSelection? selection = null;
        BundleCheck? check = null;
        var seen = 0;
        while (await json.NextAsync(ct) is var (type, name) && type != JsonTokenType.EndObject)
        {
            if (seen == Members.Length || name != Members[seen])
            {
                throw new InvalidBundleException(Array.IndexOf(Members, name) < 0
                    ? $"unknown member '{name}'"
                    : $"'{name}' where '{(seen < Members.Length ? Members[seen] : "the end")}' belongs (members come in the order {string.Join(", ", Members)})");
            }

            seen++;
            switch (name)
            {
                case "format":
                    var format = await ValueAsync<string>(json, ct);
                    if (format != AuditBundle.CurrentFormat)
                    {
                        throw new InvalidBundleException($"unknown bundle format '{format}' (this verifier reads {AuditBundle.CurrentFormat})");
                    }

                    break;
                case "exportedAt":
                    await ValueAsync<DateTimeOffset>(json, ct);
                    break;
                case "selection":
                    selection = await ValueAsync<BundleSelection>(json, ct);
                    break;
                case "checkpoint":
                    check = new BundleCheck(selection!, await ValueAsync<BundleCheckpoint>(json, ct), trustedPublicKeyPem);
                    break;
                case "events":
                    if ((await json.NextAsync(ct)).Type != JsonTokenType.StartArray)
                    {
                        throw new InvalidBundleException("'events' is not an array");
                    }

                    while (await json.NextValueAsync<BundleEvent>(AuditBundle.Json, ct) is (false, { } e))
                    {
                        check!.Observe(e);
                        if (check.EventsChecked % 1024 == 0)
                        {
                            progress?.Report(check.EventsChecked);
                        }
                    }

                    progress?.Report(check!.EventsChecked);
                    break;
            }
        }

        if (seen < Members.Length)
        {
            throw new InvalidBundleException($"'{Members[seen]}' is missing");
        }

        await json.EndAsync(ct);
        return check!.Finish();
    }

    private sealed class BytesRead(FileStream file, IChainProgress progress) : IChainProgress
    {
        public void SetTotal(long total)
        {
        }

        public void Report(long done) => progress.Report(file.Position);
    }

    private static async Task<T> ValueAsync<T>(JsonStreamReader json, CancellationToken ct) =>
        await json.NextValueAsync<T>(AuditBundle.Json, ct) is (false, { } value)
            ? value
            : throw new InvalidBundleException($"a {typeof(T).Name} is missing");
}

/// <summary>The checks of one bundle, fed its events in file order.</summary>
internal sealed class BundleCheck
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly BundleSelection _selection;
    private readonly Checkpoint _checkpoint;
    private readonly List<Divergence> _divergences = [];
    private long _divergenceCount;
    private BundleEvent? _previous;

    public BundleCheck(BundleSelection selection, BundleCheckpoint bundleCheckpoint, string? trustedPublicKeyPem)
    {
        _selection = selection;
        try
        {
            _checkpoint = bundleCheckpoint.ToCheckpoint();
        }
        catch (FormatException e)
        {
            throw new InvalidBundleException($"the checkpoint is malformed: {e.Message}");
        }

        if (!CheckpointSigner.Verify(_checkpoint, trustedPublicKeyPem ?? _checkpoint.PublicKeyPem))
        {
            Report(new Divergence(DivergenceKind.BadSignature, _checkpoint.LastSeqId, _checkpoint.Sequence, null,
                $"checkpoint {_checkpoint.Id} (key {_checkpoint.KeyId}) does not verify" + (trustedPublicKeyPem is null ? "" : " with the trusted key")));
        }
    }

    public long EventsChecked { get; private set; }

    public void Observe(BundleEvent e)
    {
        EventsChecked++;
        if (Check(e) is { } problem)
        {
            Report(new Divergence(problem.Kind, e.SeqId, e.Position, e.StreamId, problem.Detail));
        }

        _previous = e;
    }

    public VerificationReport Finish() => new()
    {
        EventsChecked = EventsChecked,
        Links = EventsChecked,
        CheckpointsChecked = 1,
        KeyIds = [_checkpoint.KeyId],
        ChainHead = _checkpoint.ChainHead,
        DivergenceCount = _divergenceCount,
        Divergences = _divergences.OrderBy(d => d.SeqId ?? long.MaxValue).ToList(),
        Elapsed = _clock.Elapsed,
    };

    private (DivergenceKind Kind, string Detail)? Check(BundleEvent e)
    {
        byte[] digest, link;
        List<byte[]> path;
        EventRow row;
        try
        {
            row = e.ToRow();
            digest = Convert.FromHexString(e.EventDigest);
            link = Convert.FromHexString(e.Link);
            path = e.AuditPath.Select(Convert.FromHexString).ToList();
        }
        catch (FormatException x)
        {
            throw new InvalidBundleException($"the event at chain position {e.Position} is malformed: {x.Message}");
        }

        if (!CryptographicOperations.FixedTimeEquals(CanonicalEvent.Digest(e.Position, row), digest))
        {
            return (DivergenceKind.Changed, "the event no longer matches its chained digest");
        }

        var previous = _previous;
        if (previous is not null && previous.Position >= e.Position)
        {
            return (DivergenceKind.Reordered, $"chain position {e.Position} follows {previous.Position}");
        }

        if (previous is not null && previous.Position == e.Position - 1
            && !HashChain.Link(Convert.FromHexString(previous.Link), digest).AsSpan().SequenceEqual(link))
        {
            return (DivergenceKind.BrokenLink, "the link does not follow from the previous event's link");
        }

        if (!MerkleTree.VerifyInclusion(e.Position - 1, _checkpoint.Sequence, MerkleTree.Leaf(digest), path, _checkpoint.MerkleRoot))
        {
            return (DivergenceKind.Changed, "the inclusion proof does not lead to the checkpoint's Merkle root");
        }

        if (e.Position == _checkpoint.Sequence && !_checkpoint.ChainHead.AsSpan().SequenceEqual(link))
        {
            return (DivergenceKind.CheckpointMismatch, "the last link differs from the checkpoint's chain head");
        }

        if ((_selection.FromSeq is { } from && e.SeqId < from) || (_selection.ToSeq is { } to && e.SeqId > to)
            || (_selection.Stream is { } stream && e.StreamId != stream))
        {
            return (DivergenceKind.Inserted, "the event is outside the bundle's selection");
        }

        if (_selection.Stream is not null && e.Version != (previous?.Version ?? 0) + 1)
        {
            return (DivergenceKind.Missing, $"stream version {e.Version} follows {previous?.Version ?? 0}: events of the stream are missing");
        }

        return null;
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

/// <summary>The file is not a well-formed bundle: an error (exit 2), not evidence of tampering (exit 1).</summary>
public sealed class InvalidBundleException(string detail) : Exception($"not a valid audit bundle: {detail}");
