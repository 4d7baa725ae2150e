using System.Security.Cryptography;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Tests.Auditing;

public sealed class MerkleTreeTests
{
    private static List<byte[]> Leaves(int n) =>
        Enumerable.Range(0, n).Select(i => MerkleTree.Leaf(SHA256.HashData(BitConverter.GetBytes(i)))).ToList();

    [Fact]
    public void The_level_tree_the_frontier_and_the_rfc6962_recursion_agree_on_roots_and_paths()
    {
        for (var n = 1; n <= 70; n++)
        {
            var leaves = Leaves(n);
            var levels = new MerkleLevels(leaves);
            var frontier = new MerkleFrontier();
            leaves.ForEach(frontier.Add);

            levels.Root.Should().Equal(MerkleTree.Root(leaves), $"size {n}");
            frontier.Root().Should().Equal(levels.Root, $"size {n}");
            for (var i = 0; i < n; i++)
            {
                var path = levels.AuditPath(i);
                path.Should().BeEquivalentTo(MerkleTree.AuditPath(leaves, i), o => o.WithStrictOrdering(), $"leaf {i} of {n}");
                MerkleTree.VerifyInclusion(i, n, leaves[i], path, levels.Root).Should().BeTrue($"leaf {i} of {n}");
                if (n > 1)
                {
                    MerkleTree.VerifyInclusion((i + 1) % n, n, leaves[i], path, levels.Root).Should().BeFalse($"leaf {i} of {n} at another index");
                }
            }
        }
    }

    [Fact]
    public void A_frontier_resumed_from_its_saved_subtrees_reaches_the_same_root()
    {
        var leaves = Leaves(100);
        for (var saved = 0; saved <= 100; saved += 7)
        {
            var first = new MerkleFrontier();
            leaves.Take(saved).ToList().ForEach(first.Add);

            var resumed = new MerkleFrontier(saved, first.Subtrees);
            leaves.Skip(saved).ToList().ForEach(resumed.Add);

            resumed.Root().Should().Equal(MerkleTree.Root(leaves), $"resumed at {saved}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(3073)]
    [InlineData(4096 + 1024 + 7)]
    [InlineData(9 * 1024)]
    public void A_path_from_block_hashes_and_two_blocks_of_leaves_is_the_full_trees_path(int n)
    {
        var leaves = Leaves(n);
        var full = new MerkleLevels(leaves);
        var blocks = Enumerable.Range(0, n / MerkleBlocks.BlockSize)
            .Select(b => MerkleBlocks.BlockHash(leaves.Skip(b * MerkleBlocks.BlockSize).Take(MerkleBlocks.BlockSize).ToList())).ToList();
        var probes = new long[] { 0, 1, 511, 1023, 1024, 1025, 2047, 2048, n / 2, n - 2, n - 1 }.Where(i => i >= 0 && i < n).Distinct();

        foreach (var i in probes)
        {
            // Only the leaves the proof claims to need: its own block and the partial last one.
            var read = MerkleBlocks.LeafRangesFor(i, n).SelectMany(r => Enumerable.Range((int)r.From, (int)(r.To - r.From)))
                .ToDictionary(x => (long)x, x => leaves[x]);

            var path = new MerkleBlocks(n, blocks, read).AuditPath(i);

            path.Should().BeEquivalentTo(full.AuditPath(i), o => o.WithStrictOrdering(), $"leaf {i} of {n}");
            MerkleTree.VerifyInclusion(i, n, leaves[(int)i], path, full.Root).Should().BeTrue();
        }
    }

    [Fact]
    public void A_wrong_block_hash_gives_a_path_that_does_not_verify()
    {
        var leaves = Leaves(4 * MerkleBlocks.BlockSize + 10);
        var blocks = Enumerable.Range(0, 4)
            .Select(b => MerkleBlocks.BlockHash(leaves.Skip(b * MerkleBlocks.BlockSize).Take(MerkleBlocks.BlockSize).ToList())).ToList();
        blocks[2] = SHA256.HashData(blocks[2]);
        var read = MerkleBlocks.LeafRangesFor(5, leaves.Count).SelectMany(r => Enumerable.Range((int)r.From, (int)(r.To - r.From)))
            .ToDictionary(x => (long)x, x => leaves[x]);

        var path = new MerkleBlocks(leaves.Count, blocks, read).AuditPath(5);

        MerkleTree.VerifyInclusion(5, leaves.Count, leaves[5], path, MerkleTree.Root(leaves)).Should().BeFalse();
    }

    [Fact]
    public void The_empty_tree_has_the_rfc6962_empty_root() =>
        new MerkleFrontier().Root().Should().Equal(SHA256.HashData(Array.Empty<byte>()));
}
