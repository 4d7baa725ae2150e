using System.Security.Cryptography;
using System.Text.Json;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// What makes two requests "the same request": a keyed digest of the command as parsed. Keyed, because a command may
/// carry a My Number, and a plain digest of one would be a brute-forceable copy of it.
/// </summary>
public static class Fingerprint
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);

    public static string Of<T>(T command, byte[] key)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(command, Canonical);
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, bytes));
    }
}
