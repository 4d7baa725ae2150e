using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Tests.Harness;

/// <summary>Bearer tokens the ledger must refuse. Good tokens come from <see cref="LedgerApi.Token"/>.</summary>
public static class Tokens
{
    public static string Expired(byte[] signingKey, string role, string? institutionCode = null)
    {
        var now = DateTime.UtcNow;
        // Well past the ledger's 30 s clock skew, so the test cannot pass or fail by timing.
        return Write(Claims(role, institutionCode), now.AddHours(-2), now.AddHours(-1), Signed(signingKey));
    }

    public static string SignedWithAnotherKey(string role, string? institutionCode = null) =>
        Auth.MintToken(RandomNumberGenerator.GetBytes(32), role, institutionCode, "forger");

    /// <summary>A token with <c>"alg": "none"</c>: claims anyone can write.</summary>
    public static string WithoutSignature(string role, string? institutionCode = null)
    {
        var now = DateTime.UtcNow;
        return Write(Claims(role, institutionCode), now.AddMinutes(-1), now.AddHours(1), credentials: null);
    }

    public static string ForAnotherAudience(byte[] signingKey, string role, string? institutionCode = null)
    {
        var now = DateTime.UtcNow;
        var token = new JwtSecurityToken(
            LedgerOptions.Issuer, "another-service", Claims(role, institutionCode), now.AddMinutes(-1), now.AddHours(1), Signed(signingKey));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    /// <summary>
    /// A correctly signed token for the ledger's issuer and audience, holding exactly the claims given and the times
    /// given: for tokens that pass every signature check and must still be refused for what they say.
    /// </summary>
    public static string SignedWith(byte[] signingKey, IEnumerable<Claim> claims, TimeSpan lifetime, string issuer = LedgerOptions.Issuer)
    {
        var now = DateTime.UtcNow;
        var payload = new JwtPayload(issuer, LedgerOptions.Issuer, claims, now.AddMinutes(-1), now.Add(lifetime), now);
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(new JwtHeader(Signed(signingKey)), payload));
    }

    private static SigningCredentials Signed(byte[] key) => new(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256);

    private static List<Claim> Claims(string role, string? institutionCode)
    {
        var claims = new List<Claim> { new("role", role), new("sub", "test") };
        if (institutionCode is not null)
        {
            claims.Add(new Claim("inst", institutionCode));
        }

        return claims;
    }

    private static string Write(IEnumerable<Claim> claims, DateTime notBefore, DateTime expires, SigningCredentials? credentials) =>
        new JwtSecurityTokenHandler().WriteToken(
            new JwtSecurityToken(LedgerOptions.Issuer, LedgerOptions.Issuer, claims, notBefore, expires, credentials));
}
