using System.Diagnostics.Metrics;
using System.Globalization;
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

    /// <summary>
    /// The actor of a token with exactly one role and one subject, or null. Endpoints never call this: they take an
    /// <see cref="Actor"/> parameter, bound once per request by <see cref="EndpointParameters"/> (403 for null), so the
    /// one role a route acts for is always the one its [Authorize] weighed.
    /// </summary>
    public static Actor? FromToken(ClaimsPrincipal user)
    {
        var roles = user.FindAll("role").Take(2).ToList();
        var subject = user.FindFirstValue("sub");
        return roles.Count == 1 && subject is not null ? new Actor(roles[0].Value, user.FindFirstValue("inst"), subject) : null;
    }
}

/// <summary>The institutions a token may act for (the reference data's list).</summary>
public interface IKnownInstitutions
{
    bool IsKnown(string institutionCode);
}

/// <summary>
/// What a signed, unexpired token must also hold to be accepted: exactly one known role, a subject, a lifetime within
/// <c>Ledger:Auth:MaxTokenLifetime</c>, and for an institution exactly one <c>inst</c> that the reference codes list.
/// </summary>
public static class TokenRules
{
    /// <summary>The clock difference allowed between the machine that minted a token and this one.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(30);

    /// <summary>Why the token is refused (the metric's reason), or null when it is acceptable.</summary>
    public static string? Problem(ClaimsPrincipal user, TimeSpan maxLifetime, IKnownInstitutions institutionCodes, DateTimeOffset now)
    {
        var roles = user.FindAll("role").Select(c => c.Value).ToList();
        if (roles.Count != 1 || !Roles.All.Contains(roles[0]))
        {
            return "role";
        }

        // The subject is stamped on every event the token records: one, short, printable.
        var subjects = user.FindAll("sub").Select(c => c.Value).ToList();
        if (subjects.Count != 1 || string.IsNullOrWhiteSpace(subjects[0]) || subjects[0].Length > 128
            || subjects[0].Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
        {
            return "subject";
        }

        var expires = Seconds(user, "exp");
        var issued = Seconds(user, "iat") ?? Seconds(user, "nbf");
        if (expires is null || issued is null || expires - issued > maxLifetime + Tolerance || expires - now > maxLifetime + Tolerance)
        {
            return "lifetime";
        }

        var institutions = user.FindAll("inst").Select(c => c.Value).ToList();
        if (roles[0] == Roles.Institution && (institutions.Count != 1 || !institutionCodes.IsKnown(institutions[0])))
        {
            return "institution";
        }

        return institutions.Count > 1 ? "institution" : null;
    }

    private static DateTimeOffset? Seconds(ClaimsPrincipal user, string claim) =>
        long.TryParse(user.FindFirstValue(claim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>The reason a token failed signature, time or audience checks, in the words of the metric's tag.</summary>
    public static string Reason(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not-yet-valid",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "signature",
        SecurityTokenInvalidIssuerException => "issuer",
        SecurityTokenInvalidAudienceException => "audience",
        SecurityTokenInvalidAlgorithmException => "algorithm",
        SecurityTokenNoExpirationException => "lifetime",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "invalid",
    };
}

/// <summary>
/// Every refused token: counted on the <c>ProvisionLedger</c> meter (<c>ledger.auth.failures</c>, tagged with the
/// reason), logged with the reason and the client's address (never the token), and charged to the address's allowance
/// of failed authentications (<see cref="RateLimits"/>).
/// </summary>
public sealed class AuthFailures
{
    public const string MeterName = "ProvisionLedger";

    private readonly Counter<long> _failures;
    private readonly ILogger<AuthFailures> _log;
    private readonly RateLimits _limits;

    public AuthFailures(IMeterFactory meters, ILogger<AuthFailures> log, RateLimits limits)
    {
        _failures = meters.Create(MeterName).CreateCounter<long>("ledger.auth.failures", "{failure}", "Bearer tokens refused, by reason.");
        _log = log;
        _limits = limits;
    }

    public void Record(HttpContext context, string reason)
    {
        _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));
        var address = RateLimits.ClientAddress(context);
        _log.LogWarning("A bearer token was refused ({Reason}) for {Method} {Path} from {Address}.",
            reason, context.Request.Method, context.Request.Path.Value, address);
        _limits.ChargeFailedAuthentication(address);
    }
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
                    ClockSkew = TokenRules.Tolerance,
                };
                // The challenge says that the token was refused, never why: the reason goes to the log and the metric.
                jwt.IncludeErrorDetails = false;
                jwt.Events = new JwtBearerEvents
                {
                    OnAuthenticationFailed = context =>
                    {
                        context.HttpContext.RequestServices.GetRequiredService<AuthFailures>().Record(context.HttpContext, TokenRules.Reason(context.Exception));
                        return Task.CompletedTask;
                    },
                    OnTokenValidated = context =>
                    {
                        var services = context.HttpContext.RequestServices;
                        var problem = TokenRules.Problem(context.Principal!, ledger.MaxTokenLifetime, services.GetRequiredService<IKnownInstitutions>(),
                            services.GetRequiredService<TimeProvider>().GetUtcNow());
                        if (problem is not null)
                        {
                            services.GetRequiredService<AuthFailures>().Record(context.HttpContext, problem);
                            context.Fail("The token was refused.");
                        }

                        return Task.CompletedTask;
                    },
                    OnChallenge = context =>
                    {
                        if (context.AuthenticateFailure is not null)
                        {
                            context.Error = "invalid_token";
                            context.ErrorDescription = "The token was refused.";
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        services.AddSingleton<AuthFailures>();
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

        // Issued now, valid from a minute ago (a little clock difference between minting and checking machines), and its
        // lifetime counted from the issue time, as the ledger counts it against Ledger:Auth:MaxTokenLifetime.
        var now = DateTime.UtcNow;
        var payload = new JwtPayload(LedgerOptions.Issuer, LedgerOptions.Issuer, claims, now.AddMinutes(-1), now.Add(lifetime ?? LedgerOptions.DefaultMaxTokenLifetime), now);
        var header = new JwtHeader(new SigningCredentials(new SymmetricSecurityKey(signingKey), SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(header, payload));
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
