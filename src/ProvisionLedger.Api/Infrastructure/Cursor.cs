using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Opaque keyset cursors: the last item shown (its sort key and id), encrypted and authenticated (AES-GCM) with the query
/// it came from as associated data. A cursor cannot be read, altered, or replayed against another query: the id inside
/// may be one the caller is never shown (the portal shows keyed record ids, never NWS transaction numbers).
/// </summary>
public sealed class CursorSealer(LedgerOptions options)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _key = HMACSHA256.HashData(options.SubjectHmacKey, "cursor-key"u8.ToArray());
    private readonly byte[] _nonceKey = HMACSHA256.HashData(options.SubjectHmacKey, "cursor-nonce"u8.ToArray());

    public string Seal(long sortKey, string id, string binding)
    {
        var payload = Encoding.UTF8.GetBytes($"{sortKey}|{id}");
        var context = Encoding.UTF8.GetBytes(binding);
        // A nonce derived from what is sealed: the same position in the same query is always the same cursor, so two
        // identical searches (a person's and their proxy's) answer byte for byte alike.
        var nonce = HMACSHA256.HashData(_nonceKey, (byte[])[.. context, 0, .. payload]).AsSpan(0, NonceSize);
        var cursor = new byte[NonceSize + payload.Length + TagSize];
        nonce.CopyTo(cursor);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, payload, cursor.AsSpan(NonceSize, payload.Length), cursor.AsSpan(NonceSize + payload.Length), context);
        return Base64Url(cursor);
    }

    public (long SortKey, string Id)? Open(string? cursor, string binding)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var bytes = FromBase64Url(cursor);
            if (bytes.Length <= NonceSize + TagSize)
            {
                throw new FormatException();
            }

            var payload = new byte[bytes.Length - NonceSize - TagSize];
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(bytes.AsSpan(0, NonceSize), bytes.AsSpan(NonceSize, payload.Length), bytes.AsSpan(NonceSize + payload.Length), payload,
                Encoding.UTF8.GetBytes(binding));
            var text = Encoding.UTF8.GetString(payload);
            var split = text.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(text[..split], System.Globalization.CultureInfo.InvariantCulture), text[(split + 1)..]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or CryptographicException)
        {
            throw new InvalidCursorException();
        }
    }

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
