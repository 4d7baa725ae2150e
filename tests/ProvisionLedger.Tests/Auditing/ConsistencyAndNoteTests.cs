using System.Security.Cryptography;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>RFC 9162 consistency proofs and C2SP checkpoint notes, as a witness or auditor checks them offline.</summary>
public sealed class ConsistencyAndNoteTests
{
    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static List<byte[]> Leaves(int n) =>
        Enumerable.Range(0, n).Select(i => MerkleTree.Leaf(SHA256.HashData(BitConverter.GetBytes(i)))).ToList();

    [Fact]
    public void Every_consistency_proof_between_two_sizes_verifies_against_both_roots_and_nothing_else()
    {
        var all = Leaves(40);
        for (var to = 1; to <= 40; to++)
        {
            var leaves = all.GetRange(0, to);
            var toRoot = MerkleTree.Root(leaves);
            for (var from = 1; from <= to; from++)
            {
                var fromRoot = MerkleTree.Root(all.GetRange(0, from));
                var proof = MerkleTree.ConsistencyProof(leaves, from);

                MerkleTree.VerifyConsistency(from, to, fromRoot, toRoot, proof).Should().BeTrue($"{from} -> {to}");
                if (from < to)
                {
                    var forged = SHA256.HashData(fromRoot);
                    MerkleTree.VerifyConsistency(from, to, forged, toRoot, proof).Should().BeFalse($"{from} -> {to}, another old root");
                    MerkleTree.VerifyConsistency(from, to, fromRoot, forged, proof).Should().BeFalse($"{from} -> {to}, another new root");
                    var bent = proof.Select(p => (byte[])p.Clone()).ToList();
                    bent[^1][0] ^= 1;
                    MerkleTree.VerifyConsistency(from, to, fromRoot, toRoot, bent).Should().BeFalse($"{from} -> {to}, a bent proof");
                }
            }
        }
    }

    [Fact]
    public void A_history_rewritten_below_an_old_size_has_no_consistency_proof_from_the_old_root()
    {
        var before = Leaves(20);
        var oldRoot = MerkleTree.Root(before.GetRange(0, 12));
        var rewritten = Leaves(20);
        rewritten[5] = MerkleTree.Leaf(SHA256.HashData("forged"u8));

        var proof = MerkleTree.ConsistencyProof(rewritten, 12);

        MerkleTree.VerifyConsistency(12, 20, oldRoot, MerkleTree.Root(rewritten), proof).Should().BeFalse();
    }

    [Fact]
    public void A_checkpoint_note_round_trips_and_verifies_with_the_log_key_and_a_witness_cosignature_with_its_own()
    {
        var logKey = TestKeys.NewCheckpointKeyPem();
        var witnessKey = TestKeys.NewCheckpointKeyPem();
        using var signer = new CheckpointSigner(logKey);
        var checkpoint = signer.Sign(42, 99, new byte[32], SHA256.HashData("root"u8), DateTimeOffset.UtcNow, "ledger.example/prod");
        var note = checkpoint.Note()!;
        var text = note.ToString();

        text.Should().StartWith($"ledger.example/prod\n42\n{Convert.ToBase64String(checkpoint.MerkleRoot)}\n\n\u2014 ledger.example/prod ");
        var parsed = CheckpointNote.Parse(text);
        parsed.Size.Should().Be(42);
        parsed.RootHash.Should().Equal(checkpoint.MerkleRoot);
        parsed.IsSignedBy(signer.PublicKeyPem).Should().BeTrue();
        parsed.IsSignedBy(PublicOf(witnessKey)).Should().BeFalse();

        var cosigned = parsed with { Signatures = [.. parsed.Signatures, CheckpointNote.Sign("witness.example", witnessKey, parsed.Text, DateTimeOffset.UtcNow)] };
        var reread = CheckpointNote.Parse(cosigned.ToString());
        reread.CosignaturesBy(PublicOf(witnessKey)).Should().ContainSingle();
        reread.CosignaturesBy(signer.PublicKeyPem).Should().BeEmpty("the log's own line is not a cosignature");
        (reread with { Size = 43 }).IsSignedBy(signer.PublicKeyPem).Should().BeFalse("the signature covers the size");
    }

    [Fact]
    public void A_kept_checkpoint_is_read_from_its_json_or_its_note_and_refused_when_another_key_signed_it()
    {
        using var signer = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        var checkpoint = signer.Sign(7, 7, SHA256.HashData("head"u8), SHA256.HashData("root"u8), DateTimeOffset.UtcNow, "o");
        var json = System.Text.Json.JsonSerializer.Serialize(Api.Auditing.Checkpointing.CheckpointView.Of(checkpoint), WebJson);

        TrustedCheckpoint.Parse(json, "kept.json", [signer.PublicKeyPem]).Should().BeEquivalentTo(new TrustedCheckpoint(7, checkpoint.MerkleRoot, "kept.json"));
        TrustedCheckpoint.Parse(checkpoint.Note()!.ToString(), "kept.note", [signer.PublicKeyPem]).Size.Should().Be(7);
        var other = PublicOf(TestKeys.NewCheckpointKeyPem());
        FluentActions.Invoking(() => TrustedCheckpoint.Parse(json, "kept.json", [other])).Should().Throw<InvalidOperationException>();
        FluentActions.Invoking(() => TrustedCheckpoint.Parse(checkpoint.Note()!.ToString(), "kept.note", [other])).Should().Throw<InvalidOperationException>();
    }

    private static string PublicOf(string privatePem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(privatePem);
        return key.ExportSubjectPublicKeyInfoPem();
    }
}
