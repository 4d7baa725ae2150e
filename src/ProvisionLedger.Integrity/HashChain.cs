using System.Security.Cryptography;

namespace ProvisionLedger.Integrity;

/// <summary>link(n) = SHA-256(link(n-1) ‖ digest(n)), starting from 32 zero bytes before position 1.</summary>
public static class HashChain
{
    public static byte[] Genesis => new byte[32];

    public static byte[] Link(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> eventDigest)
    {
        Span<byte> input = stackalloc byte[64];
        previous.CopyTo(input);
        eventDigest.CopyTo(input[32..]);
        return SHA256.HashData(input);
    }
}

/// <summary>One stored link of <c>ledger.audit_chain</c>. Seq id, event id and stream are locators; the digest covers them.</summary>
public sealed record ChainEntry(long Position, long SeqId, Guid EventId, string? StreamId, byte[] EventDigest, byte[] Link);
