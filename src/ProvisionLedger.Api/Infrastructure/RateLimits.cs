using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>One fixed window: at most <see cref="PermitLimit"/> requests per <see cref="Window"/>.</summary>
public sealed record RateLimit(int PermitLimit, TimeSpan Window)
{
    public static RateLimit From(IConfiguration configuration, string key, RateLimit defaults) => new(
        configuration.GetValue($"Ledger:RateLimits:{key}:PermitLimit", defaults.PermitLimit),
        TimeSpan.FromSeconds(configuration.GetValue($"Ledger:RateLimits:{key}:WindowSeconds", defaults.Window.TotalSeconds)));

    public FixedWindowRateLimiterOptions Options() => new() { PermitLimit = PermitLimit, Window = Window, QueueLimit = 0, AutoReplenishment = true };
}

/// <summary>
/// Requests per client address and per principal (ASP.NET Core's rate limiter, fixed windows), the Mynaportal search the
/// strictest, and failed authentications per address: an address that keeps sending refused tokens is not heard until
/// its window ends. Above a limit: 429 problem+json with <c>Retry-After</c>. The limits are in <c>Ledger:RateLimits</c>.
/// </summary>
public sealed class RateLimits : IDisposable
{
    public const string PortalSearchRoute = "/api/v1/mynaportal/records/search";

    public static readonly RateLimit DefaultPerAddress = new(3000, TimeSpan.FromSeconds(10));
    public static readonly RateLimit DefaultPerPrincipal = new(1500, TimeSpan.FromSeconds(10));
    public static readonly RateLimit DefaultPortalSearch = new(300, TimeSpan.FromSeconds(10));
    public static readonly RateLimit DefaultFailedAuthentication = new(30, TimeSpan.FromMinutes(1));

    private readonly PartitionedRateLimiter<string> _failedAuthentication;

    public RateLimits(IConfiguration configuration)
    {
        PerAddress = RateLimit.From(configuration, "PerAddress", DefaultPerAddress);
        PerPrincipal = RateLimit.From(configuration, "PerPrincipal", DefaultPerPrincipal);
        PortalSearch = RateLimit.From(configuration, "PortalSearch", DefaultPortalSearch);
        FailedAuthentication = RateLimit.From(configuration, "FailedAuthentication", DefaultFailedAuthentication);
        _failedAuthentication = PartitionedRateLimiter.Create<string, string>(address =>
            RateLimitPartition.GetFixedWindowLimiter(address, _ => FailedAuthentication.Options()));
    }

    public RateLimit PerAddress { get; }

    public RateLimit PerPrincipal { get; }

    public RateLimit PortalSearch { get; }

    public RateLimit FailedAuthentication { get; }

    /// <summary>The peer's address; behind a proxy, configure forwarded headers so that this is the client's.</summary>
    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void ChargeFailedAuthentication(string address)
    {
        using var lease = _failedAuthentication.AttemptAcquire(address);
    }

    /// <summary>
    /// The global limiter, every window chained: the client's address, then the principal of an accepted token, then
    /// the principal's Mynaportal searches.
    /// </summary>
    public PartitionedRateLimiter<HttpContext> Limiter() => PartitionedRateLimiter.CreateChained(
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetFixedWindowLimiter(ClientAddress(context), _ => PerAddress.Options())),
        PartitionedRateLimiter.Create<HttpContext, string>(context => Principal(context) is { } principal
            ? RateLimitPartition.GetFixedWindowLimiter(principal, _ => PerPrincipal.Options())
            : RateLimitPartition.GetNoLimiter("")),
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            Principal(context) is { } principal && context.Request.Path.Equals(PortalSearchRoute, StringComparison.OrdinalIgnoreCase)
                ? RateLimitPartition.GetFixedWindowLimiter(principal, _ => PortalSearch.Options())
                : RateLimitPartition.GetNoLimiter("")));

    // The limiter runs before any endpoint, so it reads the token itself (no endpoint binding to take the actor from).
    private static string? Principal(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true ? Actor.FromToken(context.User)?.Principal : null;

    /// <summary>Before authentication: an address past its failed authentications is answered 429 until its window ends.</summary>
    public async Task<bool> RefuseFailingAddressAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.Count == 0)
        {
            return false;
        }

        using var lease = _failedAuthentication.AttemptAcquire(ClientAddress(context), 0);
        if (lease.IsAcquired)
        {
            return false;
        }

        await WriteTooManyAsync(context, lease, FailedAuthentication, "Too many refused tokens from this address.");
        return true;
    }

    public static async Task WriteTooManyAsync(HttpContext context, RateLimitLease lease, RateLimit limit, string title)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : limit.Window;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await Results.Problem(title: title, detail: "Retry after the time given in Retry-After.", statusCode: StatusCodes.Status429TooManyRequests)
            .ExecuteAsync(context);
    }

    public void Dispose() => _failedAuthentication.Dispose();
}

public static class RateLimiting
{
    public static IServiceCollection AddLedgerRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = new RateLimits(configuration);
        services.AddSingleton(limits);
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = limits.Limiter();
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (context, _) => new ValueTask(RateLimits.WriteTooManyAsync(
                context.HttpContext, context.Lease, limits.PerAddress, "Too many requests."));
        });
        return services;
    }

    /// <summary>After authentication, so that a principal's window counts its own requests.</summary>
    public static IApplicationBuilder UseLedgerRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    /// <summary>Before authentication: refused tokens are counted per address (<see cref="AuthFailures"/>).</summary>
    public static IApplicationBuilder UseFailedAuthenticationLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!await context.RequestServices.GetRequiredService<RateLimits>().RefuseFailingAddressAsync(context))
        {
            await next(context);
        }
    });
}
