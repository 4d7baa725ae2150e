using System.Security.Cryptography;
using System.Text.Json;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Integrity.Bundles;

/// <summary>Verifies a bundle offline: every event against its digest, its proof and the signed checkpoint.</summary>
public static class BundleVerifier
{
    public static VerificationReport VerifyFile(string path, string? trustedPublicKeyPem = null)
    {
        AuditBundle? bundle;
        try
        {
            bundle = JsonSerializer.Deserialize<AuditBundle>(File.ReadAllBytes(path), AuditBundle.Json);
        }
        catch (JsonException e)
        {
            throw new InvalidBundleException(e.Message);
        }

        return bundle is null
            ? throw new InvalidBundleException("the bundle is empty")
            : Verify(bundle, trustedPublicKeyPem);
    }

    public static VerificationReport Verify(AuditBundle bundle, string? trustedPublicKeyPem = null)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var divergences = new List<Divergence>();
        if (bundle.Format != AuditBundle.CurrentFormat)
        {
            throw new InvalidBundleException($"unknown bundle format '{bundle.Format}' (this verifier reads {AuditBundle.CurrentFormat})");
        }

        Checkpoint checkpoint;
        try
        {
            checkpoint = bundle.Checkpoint.ToCheckpoint();
        }
        catch (FormatException e)
        {
            throw new InvalidBundleException($"the checkpoint is malformed: {e.Message}");
        }

        if (!CheckpointSigner.Verify(checkpoint, trustedPublicKeyPem ?? checkpoint.PublicKeyPem))
        {
            divergences.Add(new Divergence(DivergenceKind.BadSignature, checkpoint.LastSeqId, checkpoint.Sequence, null,
                $"checkpoint {checkpoint.Id} (key {checkpoint.KeyId}) does not verify" + (trustedPublicKeyPem is null ? "" : " with the trusted key")));
        }

        BundleEvent? previous = null;
        foreach (var e in bundle.Events)
        {
            var problem = CheckEvent(e, previous, bundle.Selection, checkpoint);
            if (problem is not null)
            {
                divergences.Add(new Divergence(problem.Value.Kind, e.SeqId, e.Position, e.StreamId, problem.Value.Detail));
            }

            previous = e;
        }

        return new VerificationReport
        {
            EventsChecked = bundle.Events.Count,
            Links = bundle.Events.Count,
            CheckpointsChecked = 1,
            KeyIds = [checkpoint.KeyId],
            ChainHead = checkpoint.ChainHead,
            DivergenceCount = divergences.Count,
            Divergences = divergences.OrderBy(d => d.SeqId ?? long.MaxValue).Take(VerificationReport.MaxListed).ToList(),
            Elapsed = started.Elapsed,
        };
    }

    private static (DivergenceKind Kind, string Detail)? CheckEvent(BundleEvent e, BundleEvent? previous, BundleSelection selection, Checkpoint checkpoint)
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
            throw new InvalidBundleException($"event at chain position {e.Position} is malformed: {x.Message}");
        }

        if (!CryptographicOperations.FixedTimeEquals(CanonicalEvent.Digest(e.Position, row), digest))
        {
            return (DivergenceKind.Changed, "the event no longer matches its chained digest");
        }

        if (previous is not null && previous.Position >= e.Position)
        {
            return (DivergenceKind.Reordered, $"chain position {e.Position} follows {previous.Position}");
        }

        if (previous is not null && previous.Position == e.Position - 1
            && !HashChain.Link(Convert.FromHexString(previous.Link), digest).AsSpan().SequenceEqual(link))
        {
            return (DivergenceKind.BrokenLink, "the link does not follow from the previous event's link");
        }

        if (!MerkleTree.VerifyInclusion(e.Position - 1, checkpoint.Sequence, MerkleTree.Leaf(digest), path, checkpoint.MerkleRoot))
        {
            return (DivergenceKind.Changed, "the inclusion proof does not lead to the checkpoint's Merkle root");
        }

        if (e.Position == checkpoint.Sequence && !checkpoint.ChainHead.AsSpan().SequenceEqual(link))
        {
            return (DivergenceKind.CheckpointMismatch, "the last link differs from the checkpoint's chain head");
        }

        if ((selection.FromSeq is { } from && e.SeqId < from) || (selection.ToSeq is { } to && e.SeqId > to)
            || (selection.Stream is { } stream && e.StreamId != stream))
        {
            return (DivergenceKind.Inserted, "the event is outside the bundle's selection");
        }

        if (selection.Stream is not null && e.Version != (previous?.Version ?? 0) + 1)
        {
            return (DivergenceKind.Missing, $"stream version {e.Version} follows {previous?.Version ?? 0}: events of the stream are missing");
        }

        return null;
    }

}

/// <summary>The file is not a well-formed bundle: an error (exit 2), not evidence of tampering (exit 1).</summary>
public sealed class InvalidBundleException(string detail) : Exception($"not a valid audit bundle: {detail}");
