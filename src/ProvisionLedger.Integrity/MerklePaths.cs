namespace ProvisionLedger.Integrity;

/// <summary>
/// Audit paths for many leaves of one tree, asked for in leaf order (an export), with memory bounded by the block size
/// rather than the tree: the hashes of full blocks (<see cref="MerkleBlocks"/>, n / 1024 of them) stand for their
/// leaves, and only the proven leaf's own block and the last, partial block are read as leaves. Every subtree hash is
/// computed once: those inside the current block until the next block is read, the others for the whole run.
/// </summary>
public sealed class MerklePaths
{
    private const int BlockSize = MerkleBlocks.BlockSize;

    private readonly long _size;
    private readonly long _tailStart;
    private readonly IReadOnlyList<byte[]> _blocks;
    private readonly Func<long, long, CancellationToken, Task<List<byte[]>>> _readLeaves;
    private readonly Dictionary<(long Start, long Count), byte[]> _shared = [];
    private readonly Dictionary<(long Start, long Count), byte[]> _inBlock = [];
    private long _block = -1;
    private List<byte[]> _blockLeaves = [];
    private List<byte[]>? _tailLeaves;

    /// <param name="size">The tree's leaf count.</param>
    /// <param name="blocks">The hash of every full block, in order: <c>size / 1024</c> of them.</param>
    /// <param name="readLeaves">Reads the leaves of 0-based indexes from (inclusive) to (exclusive).</param>
    public MerklePaths(long size, IReadOnlyList<byte[]> blocks, Func<long, long, CancellationToken, Task<List<byte[]>>> readLeaves)
    {
        if (blocks.Count != size / BlockSize)
        {
            throw new ArgumentException($"A tree of {size} leaves has {size / BlockSize} full blocks, not {blocks.Count}.", nameof(blocks));
        }

        _size = size;
        _tailStart = size / BlockSize * BlockSize;
        _blocks = blocks;
        _readLeaves = readLeaves;
    }

    /// <summary>The root these blocks and leaves give: compare it with the signed root before trusting the cached blocks.</summary>
    public async Task<byte[]> RootAsync(CancellationToken ct = default)
    {
        if (_size == 0)
        {
            return MerkleTree.EmptyRoot;
        }

        await ReadTailAsync(ct);
        return Hash(0, _size);
    }

    public async Task<List<byte[]>> AuditPathAsync(long index, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _size);
        await ReadTailAsync(ct);
        if (index < _tailStart && index / BlockSize != _block)
        {
            _block = index / BlockSize;
            _blockLeaves = await Read(_block * BlockSize, _block * BlockSize + BlockSize, ct);
            _inBlock.Clear();
        }

        var path = new List<byte[]>();
        MerkleTree.SubtreePath(index, 0, _size, path, Hash);
        return path;
    }

    private async Task ReadTailAsync(CancellationToken ct) =>
        _tailLeaves ??= _tailStart < _size ? await Read(_tailStart, _size, ct) : [];

    private async Task<List<byte[]>> Read(long from, long to, CancellationToken ct)
    {
        var leaves = await _readLeaves(from, to, ct);
        return leaves.Count == to - from
            ? leaves
            : throw new InvalidOperationException($"Leaves {from}..{to - 1} of the tree could not all be read ({leaves.Count} of {to - from}).");
    }

    private byte[] Hash(long start, long count)
    {
        if (count == 1)
        {
            return Leaf(start);
        }

        if (count == BlockSize && start % BlockSize == 0 && start < _tailStart)
        {
            return _blocks[(int)(start / BlockSize)];
        }

        var memo = start < _tailStart && start / BlockSize == (start + count - 1) / BlockSize ? _inBlock : _shared;
        if (!memo.TryGetValue((start, count), out var hash))
        {
            var k = MerkleTree.LargestPowerOfTwoBelow(count);
            hash = MerkleTree.Node(Hash(start, k), Hash(start + k, count - k));
            memo[(start, count)] = hash;
        }

        return hash;
    }

    private byte[] Leaf(long index) =>
        index >= _tailStart ? _tailLeaves![(int)(index - _tailStart)]
        : index / BlockSize == _block ? _blockLeaves[(int)(index % BlockSize)]
        : throw new InvalidOperationException($"Leaf {index} was not read for this path.");

}
