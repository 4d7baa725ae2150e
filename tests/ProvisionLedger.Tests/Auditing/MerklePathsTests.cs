using System.Security.Cryptography;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The export's audit paths, cut from block hashes and two blocks of leaves, are the tree's own paths.</summary>
public sealed class MerklePathsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(2048)]
    [InlineData(3000)]
    [InlineData(5 * 1024 + 7)]
    public async Task Every_path_and_the_root_match_the_whole_tree_and_verify(int size)
    {
        var leaves = Enumerable.Range(0, size).Select(_ => MerkleTree.Leaf(RandomNumberGenerator.GetBytes(32))).ToList();
        var tree = new MerkleLevels(leaves);
        var reads = new List<(long From, long To)>();
        var paths = Paths(leaves, reads);

        (await paths.RootAsync()).Should().Equal(tree.Root);
        for (var i = 0; i < size; i++)
        {
            var path = await paths.AuditPathAsync(i);
            Hex(path).Should().Be(Hex(tree.AuditPath(i)), $"leaf {i} of {size}");
            MerkleTree.VerifyInclusion(i, size, leaves[i], path, tree.Root).Should().BeTrue();
        }

        reads.Should().OnlyContain(r => r.To - r.From <= MerkleBlocks.BlockSize, "no more than one block of leaves is read at a time");
        reads.Should().HaveCount(size / MerkleBlocks.BlockSize + (size % MerkleBlocks.BlockSize == 0 ? 0 : 1), "each block is read once");
    }

    [Fact]
    public async Task Sparse_leaves_in_order_read_only_their_own_blocks()
    {
        var leaves = Enumerable.Range(0, 10 * 1024 + 100).Select(_ => MerkleTree.Leaf(RandomNumberGenerator.GetBytes(32))).ToList();
        var tree = new MerkleLevels(leaves);
        var reads = new List<(long From, long To)>();
        var paths = Paths(leaves, reads);

        foreach (var i in new[] { 5, 900, 3 * 1024 + 1, 7 * 1024 + 1023, 10 * 1024 + 99 })
        {
            Hex(await paths.AuditPathAsync(i)).Should().Be(Hex(tree.AuditPath(i)));
        }

        reads.Should().Equal((10 * 1024, 10 * 1024 + 100), (0, 1024), (3 * 1024, 4 * 1024), (7 * 1024, 8 * 1024));
    }

    [Fact]
    public async Task A_wrong_cached_block_gives_another_root_so_the_export_can_refuse_it()
    {
        var leaves = Enumerable.Range(0, 3000).Select(_ => MerkleTree.Leaf(RandomNumberGenerator.GetBytes(32))).ToList();
        var blocks = Blocks(leaves);
        blocks[1] = SHA256.HashData(blocks[1]);

        var paths = new MerklePaths(leaves.Count, blocks, (from, to, _) => Task.FromResult(leaves.GetRange((int)from, (int)(to - from))));

        (await paths.RootAsync()).Should().NotEqual(new MerkleLevels(leaves).Root);
    }

    private static string Hex(List<byte[]> path) => string.Join(",", path.Select(Convert.ToHexStringLower));

    private static MerklePaths Paths(List<byte[]> leaves, List<(long From, long To)> reads) =>
        new(leaves.Count, Blocks(leaves), (from, to, _) =>
        {
            reads.Add((from, to));
            return Task.FromResult(leaves.GetRange((int)from, (int)(to - from)));
        });

    private static List<byte[]> Blocks(List<byte[]> leaves) =>
        Enumerable.Range(0, leaves.Count / MerkleBlocks.BlockSize)
            .Select(b => MerkleBlocks.BlockHash(leaves.GetRange(b * MerkleBlocks.BlockSize, MerkleBlocks.BlockSize)))
            .ToList();
}
