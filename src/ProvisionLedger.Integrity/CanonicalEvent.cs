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
    public const string Version = "provision-ledger/event/v1";

    public static string Text(long position, EventRow row)
    {
        var text = new StringBuilder(256 + row.Data.Length + (row.Headers?.Length ?? 0));
        text.Append(Version).Append('\n');
        Line(text, "position", position.ToString(CultureInfo.InvariantCulture));
        Line(text, "seq_id", row.SeqId.ToString(CultureInfo.InvariantCulture));
        Line(text, "id", row.Id.ToString("D"));
        Line(text, "stream_id", Field(row.StreamId));
        Line(text, "version", row.Version.ToString(CultureInfo.InvariantCulture));
        Line(text, "type", Field(row.Type));
        Line(text, "tenant_id", Field(row.TenantId));
        Line(text, "timestamp", Timestamp(row.Timestamp));
        Line(text, "mt_dotnet_type", Field(row.DotnetType));
        Line(text, "correlation_id", Field(row.CorrelationId));
        Line(text, "causation_id", Field(row.CausationId));
        Line(text, "user_name", Field(row.UserName));
        Line(text, "headers", Field(row.Headers));
        Line(text, "data", Field(row.Data));
        Line(text, "bdata", row.Bdata is null ? "~" : Convert.ToHexStringLower(row.Bdata));
        return text.ToString();
    }

    public static byte[] Digest(long position, EventRow row) => SHA256.HashData(Encoding.UTF8.GetBytes(Text(position, row)));

    /// <summary>UTC, microseconds, as <c>to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')</c>.</summary>
    public static string Timestamp(DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    private static string Field(string? value) =>
        value is null ? "~" : $"{Encoding.UTF8.GetByteCount(value).ToString(CultureInfo.InvariantCulture)}:{value}";

    private static void Line(StringBuilder text, string name, string value) => text.Append(name).Append('=').Append(value).Append('\n');
}
