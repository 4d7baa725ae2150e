using System.Security.Cryptography;

namespace ProvisionLedger.Integrity;

/// <summary>
/// An RFC 6962 / RFC 9162 Merkle tree over the chain's event digests, in chain order, so one event can be proven part of
/// a signed checkpoint with about log2(n) hashes instead of the whole chain.
/// Leaf = SHA-256(0x00 ‖ event digest); node = SHA-256(0x01 ‖ left ‖ right).
/// </summary>
public static class MerkleTree
{
    public static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] Leaf(ReadOnlySpan<byte> eventDigest)
    {
        Span<byte> input = stackalloc byte[1 + 32];
        input[0] = 0;
        eventDigest.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 64];
        input[0] = 1;
        left.CopyTo(input[1..]);
        right.CopyTo(input[33..]);
        return SHA256.HashData(input);
    }

    public static byte[] Root(IReadOnlyList<byte[]> leaves) => leaves.Count == 0 ? EmptyRoot : Hash(leaves, 0, leaves.Count);

    /// <summary>The audit path of leaf <paramref name="index"/> (0-based) in a tree of all <paramref name="leaves"/>.</summary>
    public static List<byte[]> AuditPath(IReadOnlyList<byte[]> leaves, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<byte[]>();
        Path((int)index, leaves, 0, leaves.Count, path);
        return path;
    }

    /// <summary>RFC 9162 §2.1.3.2: does <paramref name="path"/> prove <paramref name="leaf"/> at <paramref name="index"/> under <paramref name="root"/>?</summary>
    public static bool VerifyInclusion(long index, long size, byte[] leaf, IReadOnlyList<byte[]> path, byte[] root)
    {
        if (index < 0 || index >= size)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        var r = leaf;
        foreach (var p in path)
        {
            if (p.Length != 32 || sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = Node(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = Node(r, p);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, root);
    }

    /// <summary>
    /// RFC 9162 §2.1.4.1: the consistency proof between the tree of the first <paramref name="from"/> leaves and the tree
    /// of all <paramref name="leaves"/> (empty when the sizes are equal or <paramref name="from"/> is 0).
    /// </summary>
    public static List<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leaves, long from)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, leaves.Count);
        var proof = new List<byte[]>();
        if (from > 0 && from < leaves.Count)
        {
            SubtreeConsistency(from, 0, leaves.Count, true, proof, (start, count) => Hash(leaves, (int)start, (int)count));
        }

        return proof;
    }

    /// <summary>
    /// RFC 9162 §2.1.4.2: does <paramref name="proof"/> show that the tree of size <paramref name="to"/> with root
    /// <paramref name="toRoot"/> extends the tree of size <paramref name="from"/> with root <paramref name="fromRoot"/>?
    /// </summary>
    public static bool VerifyConsistency(long from, long to, byte[] fromRoot, byte[] toRoot, IReadOnlyList<byte[]> proof)
    {
        if (from < 0 || to < from)
        {
            return false;
        }

        if (from == to)
        {
            return proof.Count == 0 && CryptographicOperations.FixedTimeEquals(fromRoot, toRoot);
        }

        if (from == 0)
        {
            return proof.Count == 0;
        }

        if (proof.Count == 0 || proof.Any(p => p.Length != 32))
        {
            return false;
        }

        var path = new List<byte[]>(proof);
        if ((from & (from - 1)) == 0)
        {
            path.Insert(0, fromRoot);
        }

        var fn = from - 1;
        var sn = to - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }

        var fr = path[0];
        var sr = path[0];
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = Node(c, fr);
                sr = Node(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = Node(sr, c);
            }

            fn >>= 1;
            sn >>= 1;
        }

        return sn == 0 && CryptographicOperations.FixedTimeEquals(fr, fromRoot) && CryptographicOperations.FixedTimeEquals(sr, toRoot);
    }

    private static byte[] Hash(IReadOnlyList<byte[]> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }

        var k = LargestPowerOfTwoBelow(count);
        return Node(Hash(leaves, start, k), Hash(leaves, start + k, count - k));
    }

    private static void Path(int m, IReadOnlyList<byte[]> leaves, int start, int count, List<byte[]> path)
    {
        if (count <= 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (m < k)
        {
            Path(m, leaves, start, k, path);
            path.Add(Hash(leaves, start + k, count - k));
        }
        else
        {
            Path(m - k, leaves, start + k, count - k, path);
            path.Add(Hash(leaves, start, k));
        }
    }

    private static int LargestPowerOfTwoBelow(int n) => (int)LargestPowerOfTwoBelow((long)n);

    /// <summary>The largest power of two smaller than <paramref name="n"/> (n ≥ 2): where RFC 9162 splits a subtree.</summary>
    internal static long LargestPowerOfTwoBelow(long n)
    {
        var k = 1L;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }

    /// <summary>
    /// RFC 9162's PATH(m, D[start:start+count]) over any source of subtree hashes: the cached-block cutters
    /// (<see cref="MerkleBlocks"/>, <see cref="MerklePaths"/>) differ only in how they hash a subtree.
    /// </summary>
    /// <summary>
    /// RFC 9162's SUBPROOF(m, D[start:start+count], complete) over any source of subtree hashes: the consistency proof
    /// from the whole tree's leaves (<see cref="ConsistencyProof"/>) and from cached blocks (<see cref="MerkleBlocks"/>).
    /// </summary>
    internal static void SubtreeConsistency(long m, long start, long count, bool complete, List<byte[]> proof, Func<long, long, byte[]> hash)
    {
        if (m == count)
        {
            if (!complete)
            {
                proof.Add(hash(start, count));
            }

            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (m <= k)
        {
            SubtreeConsistency(m, start, k, complete, proof, hash);
            proof.Add(hash(start + k, count - k));
        }
        else
        {
            SubtreeConsistency(m - k, start + k, count - k, false, proof, hash);
            proof.Add(hash(start, k));
        }
    }

    internal static void SubtreePath(long m, long start, long count, List<byte[]> path, Func<long, long, byte[]> hash)
    {
        if (count <= 1)
        {
            return;
        }

        var k = LargestPowerOfTwoBelow(count);
        if (m < k)
        {
            SubtreePath(m, start, k, path, hash);
            path.Add(hash(start + k, count - k));
        }
        else
        {
            SubtreePath(m - k, start + k, count - k, path, hash);
            path.Add(hash(start, k));
        }
    }
}

/// <summary>
/// Every level of the tree at once (about 2n hashes), so many audit paths can be cut from one build in O(log n) each.
/// Pairing neighbours level by level and carrying a lone last node up unchanged gives exactly RFC 6962's tree.
/// </summary>
public sealed class MerkleLevels
{
    private readonly List<byte[][]> _levels = [];

    public MerkleLevels(IReadOnlyList<byte[]> leaves)
    {
        var level = leaves.ToArray();
        _levels.Add(level);
        while (level.Length > 1)
        {
            var next = new byte[(level.Length + 1) / 2][];
            for (var i = 0; i < next.Length; i++)
            {
                next[i] = 2 * i + 1 < level.Length ? MerkleTree.Node(level[2 * i], level[2 * i + 1]) : level[2 * i];
            }

            _levels.Add(next);
            level = next;
        }
    }

    public long Size => _levels[0].Length;

    public byte[] Root => Size == 0 ? MerkleTree.EmptyRoot : _levels[^1][0];

    public List<byte[]> AuditPath(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        var path = new List<byte[]>();
        var i = index;
        foreach (var level in _levels.Take(_levels.Count - 1))
        {
            var sibling = i ^ 1;
            if (sibling < level.Length)
            {
                path.Add(level[sibling]);
            }

            i >>= 1;
        }

        return path;
    }
}

/// <summary>
/// The Merkle root of a growing list of leaves with O(log n) memory: the roots of the perfect subtrees so far, largest
/// first. Lets the verifier check every checkpoint's root in one streaming pass over the chain.
/// </summary>
public sealed class MerkleFrontier
{
    private readonly List<(long Size, byte[] Hash)> _subtrees = [];

    public MerkleFrontier()
    {
    }

    /// <summary>
    /// Resumes from a saved frontier: the subtree hashes of a tree of <paramref name="count"/> leaves, largest first
    /// (their sizes are the powers of two of <paramref name="count"/>'s binary form).
    /// </summary>
    public MerkleFrontier(long count, IReadOnlyList<byte[]> subtrees)
    {
        var sizes = Enumerable.Range(0, 63).Reverse().Select(bit => 1L << bit).Where(size => (count & size) != 0).ToList();
        if (sizes.Count != subtrees.Count)
        {
            throw new ArgumentException($"A tree of {count} leaves has {sizes.Count} perfect subtrees, not {subtrees.Count}.", nameof(subtrees));
        }

        _subtrees.AddRange(sizes.Zip(subtrees));
        Count = count;
    }

    public long Count { get; private set; }

    /// <summary>The perfect subtrees' hashes, largest first: enough to resume the tree later.</summary>
    public IReadOnlyList<byte[]> Subtrees => _subtrees.Select(s => s.Hash).ToList();

    public void Add(byte[] leaf)
    {
        var node = (Size: 1L, Hash: leaf);
        while (_subtrees.Count > 0 && _subtrees[^1].Size == node.Size)
        {
            var left = _subtrees[^1];
            _subtrees.RemoveAt(_subtrees.Count - 1);
            node = (left.Size * 2, MerkleTree.Node(left.Hash, node.Hash));
        }

        _subtrees.Add(node);
        Count++;
    }

    public byte[] Root()
    {
        if (_subtrees.Count == 0)
        {
            return MerkleTree.EmptyRoot;
        }

        var root = _subtrees[^1].Hash;
        for (var i = _subtrees.Count - 2; i >= 0; i--)
        {
            root = MerkleTree.Node(_subtrees[i].Hash, root);
        }

        return root;
    }
}

/// <summary>
/// An audit path cut without reading the whole tree. The tree is seen as aligned blocks of <see cref="BlockSize"/> leaves:
/// every full block is a node of the RFC 6962 tree, so its hash (kept beside the chain) stands for its leaves. A path
/// then needs the hashes of the full blocks, the leaves of the proven leaf's own block, and the leaves of the last,
/// partial block: about n / 1024 + 2,048 hashes instead of 2n.
/// </summary>
/// <remarks>
/// Block hashes are a cache, not evidence: a wrong one gives a path that fails <see cref="MerkleTree.VerifyInclusion"/>
/// against the signed root, never a false proof.
/// </remarks>
public sealed class MerkleBlocks
{
    public const int BlockSize = 1024;

    private readonly long _size;
    private readonly IReadOnlyList<byte[]> _blocks;
    private readonly Dictionary<long, byte[]> _leaves;

    /// <param name="size">The tree's leaf count.</param>
    /// <param name="blocks">The hash of every full block, in order: <c>size / BlockSize</c> of them.</param>
    /// <param name="leaves">Leaves by 0-based index: at least those of the proven leaf's block and of the last, partial block.</param>
    public MerkleBlocks(long size, IReadOnlyList<byte[]> blocks, Dictionary<long, byte[]> leaves)
    {
        if (blocks.Count != size / BlockSize)
        {
            throw new ArgumentException($"A tree of {size} leaves has {size / BlockSize} full blocks, not {blocks.Count}.", nameof(blocks));
        }

        _size = size;
        _blocks = blocks;
        _leaves = leaves;
    }

    /// <summary>The hash of one full block from its leaves (a perfect tree).</summary>
    public static byte[] BlockHash(IReadOnlyList<byte[]> leaves) =>
        leaves.Count == BlockSize ? MerkleTree.Root(leaves) : throw new ArgumentException($"A block has {BlockSize} leaves.", nameof(leaves));

    /// <summary>The 0-based leaf indexes a path for <paramref name="index"/> reads: its own block, and the partial last block.</summary>
    public static IEnumerable<(long From, long To)> LeafRangesFor(long index, long size)
    {
        var own = index / BlockSize * BlockSize;
        yield return (own, Math.Min(own + BlockSize, size));
        var tail = size / BlockSize * BlockSize;
        if (tail < size && tail != own)
        {
            yield return (tail, size);
        }
    }

    public List<byte[]> AuditPath(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _size);
        var path = new List<byte[]>();
        MerkleTree.SubtreePath(index, 0, _size, path, Hash);
        return path;
    }

    /// <summary>
    /// The 0-based leaf indexes a consistency proof from <paramref name="from"/> leaves reads: the blocks on either side
    /// of that boundary, and the partial last block. Every other subtree of the proof is a run of full blocks.
    /// </summary>
    public static IEnumerable<(long From, long To)> ConsistencyLeafRanges(long from, long size)
    {
        var starts = new SortedSet<long>();
        foreach (var index in new[] { from - 1, from, size - 1 })
        {
            if (index >= 0 && index < size)
            {
                starts.Add(index / BlockSize * BlockSize);
            }
        }

        return starts.Select(start => (start, Math.Min(start + BlockSize, size)));
    }

    /// <summary>RFC 9162 §2.1.4.1: the proof that this tree extends its first <paramref name="from"/> leaves.</summary>
    public List<byte[]> ConsistencyProof(long from)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(from);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, _size);
        var proof = new List<byte[]>();
        if (from > 0 && from < _size)
        {
            MerkleTree.SubtreeConsistency(from, 0, _size, true, proof, Hash);
        }

        return proof;
    }

    /// <summary>The root of the tree of the first <paramref name="size"/> leaves (the whole tree or an older one).</summary>
    public byte[] RootOf(long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, _size);
        return size == 0 ? MerkleTree.EmptyRoot : Hash(0, size);
    }

    private byte[] Hash(long start, long count)
    {
        if (count == 1)
        {
            return _leaves.TryGetValue(start, out var leaf)
                ? leaf
                : throw new InvalidOperationException($"Leaf {start} was not read for this path.");
        }

        if (start % BlockSize == 0 && count % BlockSize == 0 && (count & (count - 1)) == 0)
        {
            var first = (int)(start / BlockSize);
            return MerkleTree.Root(_blocks.Skip(first).Take((int)(count / BlockSize)).ToList());
        }

        var k = MerkleTree.LargestPowerOfTwoBelow(count);
        return MerkleTree.Node(Hash(start, k), Hash(start + k, count - k));
    }

}
