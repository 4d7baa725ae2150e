using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace ProvisionLedger.Api.Infrastructure;

public static class Roles
{
    public const string Institution = "institution";
    public const string Nws = "nws";
    public const string Mynaportal = "mynaportal";
    public const string Auditor = "auditor";
    public const string IncidentResponder = "incident-responder";

    public static readonly IReadOnlyList<string> All = [Institution, Nws, Mynaportal, Auditor, IncidentResponder];
}

/// <summary>Who is acting, as the token says. Never taken from a request body.</summary>
public sealed record Actor(string Role, string? InstitutionCode, string Subject)
{
    public bool Is(string role) => Role == role;

    public bool IsInstitution(string code) => Role == Roles.Institution && InstitutionCode == code;

    /// <summary>The principal stamped on every event this actor records.</summary>
    public string Principal => InstitutionCode is null ? $"{Role}:{Subject}" : $"{Role}:{InstitutionCode}:{Subject}";

    public static Actor From(ClaimsPrincipal user) => new(
        user.FindFirstValue("role") ?? "",
        user.FindFirstValue("inst"),
        user.FindFirstValue("sub") ?? user.FindFirstValue("name") ?? "anonymous");
}

public static class Auth
{
    public static void AddLedgerAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<LedgerOptions>((jwt, ledger) =>
            {
                jwt.MapInboundClaims = false;
                jwt.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = LedgerOptions.Issuer,
                    ValidAudience = LedgerOptions.Issuer,
                    IssuerSigningKey = new SymmetricSecurityKey(ledger.SigningKey),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RoleClaimType = "role",
                    NameClaimType = "sub",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
    }

    /// <summary>Mints a token the way the ledger validates it: for operators, tests and the benchmark.</summary>
    public static string MintToken(byte[] signingKey, string role, string? institutionCode = null, string subject = "operator", TimeSpan? lifetime = null)
    {
        var claims = new List<Claim> { new("role", role), new("sub", subject) };
        if (institutionCode is not null)
        {
            claims.Add(new Claim("inst", institutionCode));
        }

        var now = DateTime.UtcNow;
        var token = new JwtSecurityToken(
            LedgerOptions.Issuer, LedgerOptions.Issuer, claims, now.AddMinutes(-1), now.Add(lifetime ?? TimeSpan.FromHours(12)),
            new SigningCredentials(new SymmetricSecurityKey(signingKey), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    /// <summary>Two institutions, since every exchange has an inquirer and a provider, and one token for each other role.</summary>
    public static readonly (string Code, string Name)[] DevelopmentInstitutions = [("131016", "千代田区"), ("011002", "札幌市")];

    public static string DescribeDevelopmentTokens(byte[] signingKey)
    {
        var text = new StringBuilder("Development tokens (12 h), send as `Authorization: Bearer <token>`:\n");
        foreach (var (code, name) in DevelopmentInstitutions)
        {
            text.Append("  institution ").Append(code).Append(" (").Append(name).Append("): ")
                .Append(MintToken(signingKey, Roles.Institution, code, "dev")).Append('\n');
        }

        foreach (var role in Roles.All.Where(r => r != Roles.Institution))
        {
            text.Append("  ").Append(role).Append(": ").Append(MintToken(signingKey, role, null, "dev")).Append('\n');
        }

        text.Append("Other institutions: `dotnet run --project src/ProvisionLedger.Cli -- token --role institution --inst <code>`.");
        return text.ToString();
    }
}
