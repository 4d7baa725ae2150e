using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Opaque keyset cursors: the last item shown (its sort key and id), sealed with a MAC bound to the query it came from.
/// A cursor carries nothing the caller has not already been shown, and cannot be replayed against another query.
/// </summary>
public sealed class CursorSealer(LedgerOptions options)
{
    private readonly byte[] _key = HMACSHA256.HashData(options.SubjectHmacKey, "cursor-key"u8.ToArray());

    public string Seal(long sortKey, string id, string binding)
    {
        var payload = $"{sortKey}|{id}";
        var tag = Tag(payload, binding);
        return $"{Base64Url(Encoding.UTF8.GetBytes(payload))}.{Base64Url(tag)}";
    }

    public (long SortKey, string Id)? Open(string? cursor, string binding)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        var parts = cursor.Split('.');
        try
        {
            if (parts.Length != 2)
            {
                throw new FormatException();
            }

            var payload = Encoding.UTF8.GetString(FromBase64Url(parts[0]));
            if (!CryptographicOperations.FixedTimeEquals(Tag(payload, binding), FromBase64Url(parts[1])))
            {
                throw new FormatException();
            }

            var split = payload.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(payload[..split], System.Globalization.CultureInfo.InvariantCulture), payload[(split + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new InvalidCursorException();
        }
    }

    private byte[] Tag(string payload, string binding) =>
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{binding}\n{payload}")).AsSpan(0, 16).ToArray();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}

public sealed class InvalidCursorException : Exception
{
    public InvalidCursorException() : base("The cursor is not valid for this query.")
    {
    }

    public InvalidCursorException(string message) : base(message)
    {
    }

    public InvalidCursorException(string message, Exception inner) : base(message, inner)
    {
    }
}
