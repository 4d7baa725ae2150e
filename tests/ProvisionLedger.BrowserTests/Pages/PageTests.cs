using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.BrowserTests.Harness;
using ProvisionLedger.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace ProvisionLedger.BrowserTests.Pages;

/// <summary>The pages themselves: where they are, and the headers they are served with.</summary>
public sealed class PageTests(BrowserSite<LedgerApi> site) : IClassFixture<BrowserSite<LedgerApi>>
{
    public static TheoryData<string> Files() =>
    [
        "/", "/portal/", "/console/incidents/", "/console/audit/", "/css/ledger.css", "/js/common.js", "/js/portal.js", "/js/incidents.js",
        "/js/audit.js", "/reference/", "/js/reference.js",
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Every_page_and_file_is_served_with_the_policy_nosniff_and_no_store(string path)
    {
        await using var tab = await site.OpenAsync();

        var response = await tab.GotoAsync(path);

        var headers = await response.AllHeadersAsync();
        var policy = site.Ledger.Services.GetRequiredService<ContentSecurityPolicy>().Value;
        headers.Should().Contain("content-security-policy", policy);
        headers.Should().Contain("x-content-type-options", "nosniff");
        headers.Should().Contain("cache-control", "no-store");
        headers.Should().Contain("referrer-policy", "no-referrer");
        policy.Should().Contain("script-src 'self'").And.NotContain("unsafe-inline").And.NotContain("unsafe-eval");
    }

    [Fact]
    public async Task The_policy_is_enforced_an_inline_script_put_into_a_page_does_not_run()
    {
        await using var tab = await site.OpenAsync();
        await tab.GotoAsync("/portal/");

        var ran = await tab.Page.EvaluateAsync<bool>("""
            () => {
              const script = document.createElement('script');
              script.textContent = 'window.injected = true';
              document.body.append(script);
              return window.injected === true;
            }
            """);

        ran.Should().BeFalse("script-src 'self' refuses inline script, so markup slipped into a page could not act");
        await Expect(tab["h1"]).ToBeVisibleAsync();
        tab.CspViolations.Should().NotBeEmpty("Chromium reports the refusal, which is how the other tests know there was none");
    }

    [Fact]
    public async Task The_landing_page_leads_to_the_three_pages_each_of_which_loads_within_its_policy()
    {
        await using var tab = await site.OpenAsync();
        await tab.GotoAsync("/");

        foreach (var (link, heading) in new[]
                 {
                     ("マイナポータル（情報提供等の記録の表示）", "情報提供等の記録の表示"),
                     ("インシデント対応コンソール", "インシデント対応コンソール"),
                     ("監査コンソール", "監査コンソール"),
                 })
        {
            await tab.Page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = link }).ClickAsync();
            await Expect(tab["h1"]).ToContainTextAsync(heading);
            await Expect(tab["#token-status"]).ToContainTextAsync("トークン未設定");
            await Expect(tab["button[data-js]"].First).ToBeEnabledAsync();
            await tab.Page.GoBackAsync();
        }

        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_console_address_without_the_trailing_slash_is_redirected_to_the_page()
    {
        using var client = site.Ledger.Anonymous();
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = site.BaseAddress };

        var response = await noRedirect.GetAsync(new Uri("/console/incidents", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.MovedPermanently);
        response.Headers.Location!.ToString().Should().EndWith("/console/incidents/");
        (await client.GetAsync(new Uri("/console/audit", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_token_is_kept_in_this_tabs_session_storage_only_and_cleared_on_request()
    {
        await using var tab = await site.OpenAsync();
        await tab.GotoAsync("/console/audit/");
        var token = site.Token(Roles.Auditor);

        await tab.SignInAsync(token);

        await Expect(tab["#token-status"]).ToContainTextAsync("ロール role: auditor");
        await Expect(tab["#token"]).ToHaveValueAsync("");
        (await tab.Page.EvaluateAsync<string>("() => sessionStorage.getItem('provision-ledger.token')")).Should().Be(token);
        (await tab.Page.EvaluateAsync<int>("() => localStorage.length")).Should().Be(0);
        await tab.GotoAsync("/portal/");
        await Expect(tab["#token-status"]).ToContainTextAsync("ロール role: auditor"); // the pages of one tab share the sign-in

        await tab.Page.ClickAsync("#token-clear");

        (await tab.Page.EvaluateAsync<int>("() => sessionStorage.length")).Should().Be(0);
        await Expect(tab["#token-status"]).ToContainTextAsync("トークン未設定");
        tab.ShouldHaveRunCleanly();
    }
}
