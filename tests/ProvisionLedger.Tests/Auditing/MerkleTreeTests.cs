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

    [Fact]
    public void The_empty_tree_has_the_rfc6962_empty_root() =>
        new MerkleFrontier().Root().Should().Equal(SHA256.HashData(Array.Empty<byte>()));
}
