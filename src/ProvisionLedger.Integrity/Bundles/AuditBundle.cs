using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProvisionLedger.Integrity.Bundles;

/// <summary>
/// An audit bundle: events exactly as stored, each with its chain link and a Merkle inclusion proof against one signed
/// checkpoint, and the key that signed it. Verifiable with no database (docs/audit-bundle.md describes the format).
/// </summary>
public sealed record AuditBundle(
    string Format,
    DateTimeOffset ExportedAt,
    BundleSelection Selection,
    BundleCheckpoint Checkpoint,
    IReadOnlyList<BundleEvent> Events)
{
    public const string CurrentFormat = "provision-ledger/audit-bundle/v1";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,

        // A member left out, or null where the format allows none, makes the file malformed, not a bundle with holes.
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };
}

/// <summary>What was asked for: a seq range, one stream, or everything.</summary>
public sealed record BundleSelection(long? FromSeq, long? ToSeq, string? Stream);

public sealed record BundleCheckpoint(
    long Id,
    long Sequence,
    long? LastSeqId,
    string ChainHead,
    string MerkleRoot,
    string SignedAt,
    string KeyId,
    string Signature,
    string PublicKeyPem)
{
    public static BundleCheckpoint Of(Checkpoint c) => new(
        c.Id, c.Sequence, c.LastSeqId, Convert.ToHexStringLower(c.ChainHead), Convert.ToHexStringLower(c.MerkleRoot),
        CanonicalEvent.Timestamp(c.SignedAt.UtcDateTime), c.KeyId, Convert.ToBase64String(c.Signature), c.PublicKeyPem);

    public Checkpoint ToCheckpoint() => new(
        Id, Sequence, LastSeqId, Convert.FromHexString(ChainHead), Convert.FromHexString(MerkleRoot),
        new DateTimeOffset(DateTime.SpecifyKind(
            DateTime.ParseExact(SignedAt, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), DateTimeKind.Utc)),
        KeyId, PublicKeyPem, Convert.FromBase64String(Signature));
}

/// <summary>
/// One event row. <see cref="Headers"/> and <see cref="Data"/> are strings holding PostgreSQL's jsonb text exactly, not
/// nested JSON: re-serialising JSON would change the bytes that were hashed.
/// </summary>
public sealed record BundleEvent(
    long Position,
    long SeqId,
    Guid Id,
    string? StreamId,
    long Version,
    string Type,
    string? TenantId,
    string Timestamp,
    string? DotnetType,
    string? CorrelationId,
    string? CausationId,
    string? UserName,
    string? Headers,
    string Data,
    string? Bdata,
    bool IsArchived,
    string EventDigest,
    string Link,
    IReadOnlyList<string> AuditPath)
{
    public static BundleEvent Of(ChainEntry entry, EventRow row, IEnumerable<byte[]> auditPath) => new(
        entry.Position, row.SeqId, row.Id, row.StreamId, row.Version, row.Type, row.TenantId, CanonicalEvent.Timestamp(row.Timestamp),
        row.DotnetType, row.CorrelationId, row.CausationId, row.UserName, row.Headers, row.Data,
        row.Bdata is null ? null : Convert.ToHexStringLower(row.Bdata), row.IsArchived, Convert.ToHexStringLower(entry.EventDigest),
        Convert.ToHexStringLower(entry.Link), auditPath.Select(Convert.ToHexStringLower).ToList());

    public EventRow ToRow() => new(
        SeqId, Id, StreamId, Version, Type, TenantId,
        DateTime.SpecifyKind(DateTime.ParseExact(Timestamp, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture), DateTimeKind.Utc),
        DotnetType, CorrelationId, CausationId, UserName, Headers, Data, Bdata is null ? null : Convert.FromHexString(Bdata), IsArchived);
}
