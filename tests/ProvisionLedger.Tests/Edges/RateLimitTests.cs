using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Hosting;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Edges;

/// <summary>The ledger with rate limits set low in configuration, so that a test reaches them in a few requests.</summary>
public abstract class RateLimitedLedgerApi(params (string Key, int PermitLimit)[] limits) : LedgerApi
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        foreach (var (key, permits) in limits)
        {
            builder.UseSetting($"Ledger:RateLimits:{key}:PermitLimit", permits.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // A window no test outlives: what is refused stays refused for the rest of the test.
            builder.UseSetting($"Ledger:RateLimits:{key}:WindowSeconds", "600");
        }
    }

    /// <summary>A client of its own principal (its own token subject), so that tests of one class share no window.</summary>
    public HttpClient AsPrincipal(string role, string subject) =>
        WithToken(Auth.MintToken(SigningKey, role, role == Roles.Institution ? Institutions.Chiyoda : null, subject));
}

public sealed class PrincipalLimitedApi() : RateLimitedLedgerApi(("PerPrincipal", 5), ("PortalSearch", 2));

public sealed class AddressLimitedApi() : RateLimitedLedgerApi(("PerAddress", 6));

public sealed class FailedAuthenticationLimitedApi() : RateLimitedLedgerApi(("FailedAuthentication", 3));

/// <summary>429 problem+json with Retry-After, once the principal, the address or the refused tokens reach their limit.</summary>
public static class RateLimitAnswers
{
    public static readonly Uri NwsRecords = new("/api/v1/parties/nws/records", UriKind.Relative);

    public static async Task ShouldBeTooManyAsync(this HttpResponseMessage response)
    {
        await response.ShouldBeAsync(HttpStatusCode.TooManyRequests, "the limit was reached");
        (await response.ReadProblemAsync()).Status.Should().Be(429);
        response.Headers.RetryAfter!.Delta.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(600));
    }
}

/// <summary>Rate limits per principal, the Mynaportal search the strictest (issue 12, finding 4).</summary>
public sealed class PrincipalRateLimitTests(PrincipalLimitedApi api) : IClassFixture<PrincipalLimitedApi>
{
    [Fact]
    public async Task A_principal_past_its_limit_gets_429_with_retry_after_while_another_principal_is_answered()
    {
        var busy = api.AsPrincipal(Roles.Auditor, "busy-auditor");
        for (var i = 0; i < 5; i++)
        {
            await (await busy.GetAsync(RateLimitAnswers.NwsRecords)).ShouldBeAsync(HttpStatusCode.OK, "within the principal's limit");
        }

        await (await busy.GetAsync(RateLimitAnswers.NwsRecords)).ShouldBeTooManyAsync();
        await (await api.AsPrincipal(Roles.Auditor, "other-auditor").GetAsync(RateLimitAnswers.NwsRecords))
            .ShouldBeAsync(HttpStatusCode.OK, "another principal has a window of its own");
    }

    [Fact]
    public async Task The_portal_search_is_limited_before_the_principal_is()
    {
        var portal = api.AsPrincipal(Roles.Mynaportal, "portal-backend");
        var before = await api.EventCountAsync();
        for (var i = 0; i < 2; i++)
        {
            await (await portal.PostJsonAsync(PortalScenarios.Route, PortalScenarios.SearchRequest(MyNumbers.Next())))
                .ShouldBeAsync(HttpStatusCode.OK, "within the portal's limit");
        }

        var refused = await portal.PostJsonAsync(PortalScenarios.Route, PortalScenarios.SearchRequest(MyNumbers.Next()));

        await refused.ShouldBeTooManyAsync();
        (await api.EventCountAsync()).Should().Be(before + 2, "a refused search records no view");
    }
}

/// <summary>Rate limits per client address, whatever the principal (issue 12, finding 4).</summary>
public sealed class AddressRateLimitTests(AddressLimitedApi api) : IClassFixture<AddressLimitedApi>
{
    [Fact]
    public async Task An_address_past_its_limit_gets_429_whichever_principal_it_sends()
    {
        for (var i = 0; i < 6; i++)
        {
            await (await api.AsPrincipal(Roles.Auditor, $"auditor-{i}").GetAsync(RateLimitAnswers.NwsRecords))
                .ShouldBeAsync(HttpStatusCode.OK, "within the address's limit");
        }

        await (await api.AsPrincipal(Roles.Auditor, "auditor-new").GetAsync(RateLimitAnswers.NwsRecords)).ShouldBeTooManyAsync();
    }
}

/// <summary>Failed authentications counted per address: a client guessing tokens is stopped (issue 12, finding 4).</summary>
public sealed class FailedAuthenticationLimitTests(FailedAuthenticationLimitedApi api) : IClassFixture<FailedAuthenticationLimitedApi>
{
    [Fact]
    public async Task An_address_that_sent_too_many_refused_tokens_gets_429_until_its_window_ends()
    {
        for (var i = 0; i < 3; i++)
        {
            (await api.WithToken(Tokens.SignedWithAnotherKey(Roles.Auditor)).GetAsync(RateLimitAnswers.NwsRecords))
                .StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        await (await api.WithToken(Tokens.SignedWithAnotherKey(Roles.Auditor)).GetAsync(RateLimitAnswers.NwsRecords)).ShouldBeTooManyAsync();
        await (await api.AsPrincipal(Roles.Auditor, "auditor").GetAsync(RateLimitAnswers.NwsRecords)).ShouldBeTooManyAsync();
    }
}
