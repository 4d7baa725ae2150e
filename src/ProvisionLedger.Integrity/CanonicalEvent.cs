using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Integrity;

/// <summary>One row of <c>mt_events</c>, as the chain sees it. <see cref="IsArchived"/> is carried but never hashed.</summary>
public sealed record EventRow(
    long SeqId,
    Guid Id,
    string? StreamId,
    long Version,
    string Type,
    string? TenantId,
    DateTime Timestamp,
    string? DotnetType,
    string? CorrelationId,
    string? CausationId,
    string? UserName,
    string? Headers,
    string Data,
    byte[]? Bdata,
    bool IsArchived = false);

/// <summary>
/// The canonical text of an event row at a chain position, and its digest. The SQL function
/// <c>ledger.audit_canonical</c> (ProvisionLedger.Api/Auditing/AuditSchema.cs) builds the same text inside the appending
/// transaction; the two must agree byte for byte, which a test checks against real rows.
/// </summary>
/// <remarks>
/// One <c>name=value</c> line per column, in a fixed order. A text value is written as its UTF-8 byte length, a colon and
/// the text, so no value can imitate a line break or another field; <c>~</c> stands for NULL. jsonb columns are hashed in
/// PostgreSQL's own text rendering of jsonb (keys sorted, fixed spacing), which is what both sides read. Times are UTC
/// with microseconds, PostgreSQL's precision. <c>is_archived</c> is left out on purpose: archiving under the retention
/// policy must not break the chain.
/// </remarks>
public static class CanonicalEvent
{
    /// <summary>
    /// Marten's gap filler: when a transaction that drew sequence numbers rolls back (a write that lost a race), Marten
    /// writes a <c>tombstone</c> row at each of those numbers, in the stream <c>mt_tombstone</c>, with empty data and no
    /// metadata, so that readers of the sequence see no hole. It is written outside the session (so it carries no seal)
    /// and records nothing. Only a row of exactly this shape counts as one.
    /// </summary>
    public static bool IsMartenTombstone(EventRow row) =>
        row is { StreamId: "mt_tombstone", Type: "tombstone", Data: "{}", Bdata: null, Headers: null, UserName: null, CorrelationId: null, CausationId: null }
        && row.DotnetType is null or "JasperFx.Events.Tombstone, JasperFx.Events";

    public const string Version = "provision-ledger/event/v1";

    /// <summary>The first line of the text a seal covers: the same fields without the chain position, unknown when sealing.</summary>
    public const string SealedVersion = "provision-ledger/sealed-event/v1";

    public static string Text(long position, EventRow row) => Build(position, row).ToString();

    public static byte[] Digest(long position, EventRow row) => Hash(Text(position, row));

    /// <summary>The text a seal covers: every field of <see cref="Text"/> but the chain position, under its own first line.</summary>
    public static string SealedText(EventRow row) => Build(null, row).ToString();

    /// <summary>SHA-256 of <see cref="SealedText"/>: what the appending transaction's seal signs for this event.</summary>
    public static byte[] SealedDigest(EventRow row) => Hash(SealedText(row));

    private static byte[] Hash(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return SHA256.HashData(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static StringBuilder Build(long? position, EventRow row)
    {
        var text = new StringBuilder(512 + row.Data.Length + (row.Headers?.Length ?? 0));
        text.Append(position is null ? SealedVersion : Version).Append('\n');
        if (position is { } p)
        {
            Line(text, "position", p);
        }

        Line(text, "seq_id", row.SeqId);
        text.Append("id=").Append(row.Id.ToString("D")).Append('\n');
        Line(text, "stream_id", row.StreamId);
        Line(text, "version", row.Version);
        Line(text, "type", row.Type);
        Line(text, "tenant_id", row.TenantId);
        text.Append("timestamp=").Append(Timestamp(row.Timestamp)).Append('\n');
        Line(text, "mt_dotnet_type", row.DotnetType);
        Line(text, "correlation_id", row.CorrelationId);
        Line(text, "causation_id", row.CausationId);
        Line(text, "user_name", row.UserName);
        Line(text, "headers", row.Headers);
        Line(text, "data", row.Data);
        text.Append("bdata=").Append(row.Bdata is null ? "~" : Convert.ToHexStringLower(row.Bdata)).Append('\n');
        return text;
    }

    /// <summary>
    /// UTC, microseconds, as <c>to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')</c>; PostgreSQL's
    /// <c>-infinity</c> and <c>infinity</c> (which Npgsql reads as <see cref="DateTime.MinValue"/> and
    /// <see cref="DateTime.MaxValue"/>) as those words. Marten stamps its tombstones <c>-infinity</c>.
    /// </summary>
    public static string Timestamp(DateTime value)
    {
        if (value == DateTime.MinValue)
        {
            return "-infinity";
        }

        if (value == DateTime.MaxValue)
        {
            return "infinity";
        }

        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    private static void Line(StringBuilder text, string name, long value) =>
        text.Append(name).Append('=').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>A text value: its UTF-8 byte length, a colon and the text; <c>~</c> for NULL.</summary>
    private static void Line(StringBuilder text, string name, string? value)
    {
        text.Append(name).Append('=');
        if (value is null)
        {
            text.Append('~');
        }
        else
        {
            text.Append(Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)).Append(':').Append(value);
        }

        text.Append('\n');
    }
}
