using System.Security.Cryptography;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// A consistency proof cut from cached block hashes and at most three blocks of leaves (what GET /audit/consistency
/// reads) is the proof RFC 9162 cuts from every leaf, and it verifies between the two roots.
/// </summary>
public sealed class MerkleBlocksConsistencyTests
{
    private static readonly List<byte[]> Leaves =
        Enumerable.Range(0, 6 * 1024 + 300).Select(_ => MerkleTree.Leaf(RandomNumberGenerator.GetBytes(32))).ToList();

    [Theory]
    [InlineData(1, 2)]
    [InlineData(7, 1024)]
    [InlineData(1023, 1025)]
    [InlineData(1024, 1025)]
    [InlineData(1024, 2048)]
    [InlineData(1025, 4096)]
    [InlineData(2047, 6 * 1024 + 300)]
    [InlineData(3000, 3001)]
    [InlineData(4096, 6 * 1024)]
    [InlineData(5000, 6 * 1024 + 300)]
    [InlineData(6 * 1024 + 299, 6 * 1024 + 300)]
    [InlineData(100, 100)]
    public void The_proof_and_both_roots_match_the_whole_tree_and_verify(int from, int to)
    {
        var all = Leaves.GetRange(0, to);
        var ranges = MerkleBlocks.ConsistencyLeafRanges(from, to).ToList();
        var read = new Dictionary<long, byte[]>();
        foreach (var (start, end) in ranges)
        {
            for (var i = start; i < end; i++)
            {
                read[i] = all[(int)i];
            }
        }

        var blocks = Enumerable.Range(0, to / MerkleBlocks.BlockSize)
            .Select(b => MerkleBlocks.BlockHash(all.GetRange(b * MerkleBlocks.BlockSize, MerkleBlocks.BlockSize))).ToList();
        var tree = new MerkleBlocks(to, blocks, read);

        var proof = tree.ConsistencyProof(from);
        var fromRoot = tree.RootOf(from);
        var toRoot = tree.RootOf(to);

        fromRoot.Should().Equal(MerkleTree.Root(all.GetRange(0, from)));
        toRoot.Should().Equal(MerkleTree.Root(all));
        Hex(proof).Should().Be(Hex(MerkleTree.ConsistencyProof(all, from)));
        MerkleTree.VerifyConsistency(from, to, fromRoot, toRoot, proof).Should().BeTrue();
        ranges.Should().HaveCountLessThanOrEqualTo(3, "only the blocks at the old size's boundary and the last one are read");
    }

    [Fact]
    public void A_proof_from_a_rewritten_history_does_not_verify_against_the_old_root()
    {
        var to = 3 * 1024 + 5;
        var from = 1500;
        var oldRoot = MerkleTree.Root(Leaves.GetRange(0, from));
        var rewritten = Leaves.GetRange(0, to);
        rewritten[10] = MerkleTree.Leaf(RandomNumberGenerator.GetBytes(32));
        var blocks = Enumerable.Range(0, to / MerkleBlocks.BlockSize)
            .Select(b => MerkleBlocks.BlockHash(rewritten.GetRange(b * MerkleBlocks.BlockSize, MerkleBlocks.BlockSize))).ToList();
        var read = MerkleBlocks.ConsistencyLeafRanges(from, to)
            .SelectMany(r => Enumerable.Range((int)r.From, (int)(r.To - r.From))).ToDictionary(i => (long)i, i => rewritten[i]);
        var tree = new MerkleBlocks(to, blocks, read);

        MerkleTree.VerifyConsistency(from, to, oldRoot, tree.RootOf(to), tree.ConsistencyProof(from)).Should().BeFalse();
    }

    private static string Hex(IEnumerable<byte[]> hashes) => string.Join(",", hashes.Select(Convert.ToHexStringLower));
}
