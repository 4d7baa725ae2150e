using Microsoft.Playwright;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.BrowserTests.Harness;
using ProvisionLedger.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace ProvisionLedger.BrowserTests.Portal;

/// <summary>The Mynaportal-style view (/portal/) as a portal operator uses it, in Chromium.</summary>
public sealed class PortalPageTests(BrowserSite<PortalLedger> site) : IClassFixture<BrowserSite<PortalLedger>>
{
    private const string Procedure = "児童手当法による児童手当又は特例給付の支給に関する事務";
    private const string TaxItem = "地方税関係情報（課税情報）";

    private PortalLedger Ledger => site.Ledger;

    private static string Shown(DateTimeOffset t) => t.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " +09:00";

    private async Task<SitePage> SignedInAsync(string? role = Roles.Mynaportal)
    {
        var tab = await site.OpenAsync();
        await tab.GotoAsync("/portal/");
        if (role is not null)
        {
            await tab.SignInAsync(site.Token(role));
        }

        return tab;
    }

    private static async Task SearchAsync(SitePage tab, string myNumber, int? pageSize = null)
    {
        await tab.Page.FillAsync("#my-number", myNumber);
        if (pageSize is { } size)
        {
            await tab.Page.FillAsync("#page-size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await tab.Page.ClickAsync("#search-button");
    }

    private static ILocator Rows(SitePage tab) => tab["#records tbody tr"];

    [Fact]
    public async Task The_person_sees_their_records_newest_first_with_the_correction_and_pages_on_with_next()
    {
        await using var tab = await SignedInAsync();

        await SearchAsync(tab, Ledger.Person.MyNumber, pageSize: 2);

        await Expect(Rows(tab)).ToHaveCountAsync(2);
        await Expect(tab["#records thead"]).ToContainTextAsync("照会日時");
        foreach (var label in new[] { "提供日時", "照会機関", "提供機関", "事務", "特定個人情報の項目", "追記" })
        {
            await Expect(tab["#records thead"]).ToContainTextAsync(label);
        }

        await Expect(Rows(tab).Nth(0).Locator("td")).ToHaveTextAsync(
        [
            Shown(PortalLedger.Latest), Shown(PortalLedger.Latest.AddMinutes(1)), "東京都千代田区", "北海道札幌市", Procedure, TaxItem, "提供済み", "—",
        ]);
        await Expect(Rows(tab).Nth(1).Locator("td").Nth(0)).ToHaveTextAsync(Shown(PortalLedger.Corrected));
        await Expect(Rows(tab).Nth(1).Locator("td").Nth(7)).ToHaveTextAsync(
            $"【照会対象者誤り】{PortalLedger.CorrectionNote}（{Shown(PortalLedger.CorrectionAt)}）");

        await tab.Page.ClickAsync("#next");

        await Expect(Rows(tab)).ToHaveCountAsync(1);
        await Expect(Rows(tab).Nth(0).Locator("td").Nth(0)).ToHaveTextAsync(Shown(PortalLedger.Earliest));
        await Expect(tab["#next"]).ToBeHiddenAsync();
        await Expect(tab["#page-label"]).ToHaveTextAsync("2 ページ目");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_non_disclosed_record_never_shows_on_any_page()
    {
        await using var tab = await SignedInAsync();

        await SearchAsync(tab, Ledger.Person.MyNumber, pageSize: 2);
        await Expect(Rows(tab)).ToHaveCountAsync(2);
        var firstPage = await tab["#records"].InnerTextAsync();
        await tab.Page.ClickAsync("#next");
        await Expect(Rows(tab)).ToHaveCountAsync(1);
        var secondPage = await tab["#records"].InnerTextAsync();

        (firstPage + secondPage).Should().NotContain(Shown(PortalLedger.Hidden)[..10], "the record under 不開示コード is absent");
        await Expect(tab["#outcome"]).ToContainTextAsync("1 件");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_protected_persons_search_looks_exactly_like_a_search_for_a_person_never_seen()
    {
        await using var tab = await SignedInAsync();

        await SearchAsync(tab, Ledger.ProtectedPerson.MyNumber);
        await Expect(tab["#outcome"]).ToContainTextAsync("表示できる記録はありません");
        var protectedAnswer = (await tab["#outcome"].InnerTextAsync(), await tab["#records"].InnerTextAsync(), await tab["#next"].IsVisibleAsync());
        await tab.Page.ClickAsync("#reset-button");
        await SearchAsync(tab, MyNumbers.Next());
        await Expect(tab["#outcome"]).ToContainTextAsync("表示できる記録はありません");
        var unseenAnswer = (await tab["#outcome"].InnerTextAsync(), await tab["#records"].InnerTextAsync(), await tab["#next"].IsVisibleAsync());

        protectedAnswer.Should().Be(unseenAnswer, "DV protection leaves nothing to tell the person apart from a stranger");
        await Expect(Rows(tab)).ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_my_number_travels_in_the_search_body_only_and_stays_nowhere_in_the_browser()
    {
        await using var tab = await SignedInAsync();
        var number = Ledger.Person.MyNumber;
        var historyBefore = await tab.Page.EvaluateAsync<int>("() => history.length");

        await SearchAsync(tab, number, pageSize: 2);
        await Expect(Rows(tab)).ToHaveCountAsync(2);
        await tab.Page.ClickAsync("#next");
        await Expect(Rows(tab)).ToHaveCountAsync(1);

        var searches = tab.Requests.Where(r => r.Url.EndsWith("/api/v1/mynaportal/records/search", StringComparison.Ordinal)).ToList();
        searches.Should().HaveCount(2).And.OnlyContain(r => r.Method == "POST" && r.PostData != null && r.PostData.Contains(number));
        tab.Requests.Any(r => r.Url.Contains(number, StringComparison.Ordinal)).Should().BeFalse("no URL the browser requested carries the number");
        tab.Page.Url.Contains(number, StringComparison.Ordinal).Should().BeFalse("the page's address does not change");
        (await tab.Page.EvaluateAsync<int>("() => history.length")).Should().Be(historyBefore, "a search adds no history entry");
        var kept = await tab.Page.EvaluateAsync<string>(
            "() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage }, title: document.title, cookie: document.cookie, state: history.state })");
        kept.Contains(number, StringComparison.Ordinal).Should().BeFalse("storage, cookies, title and history state hold no My Number");

        // Leaving the page and coming back (from the back-forward cache or afresh) finds the field empty.
        await tab.GotoAsync("/");
        await tab.Page.GoBackAsync();
        await Expect(tab["#my-number"]).ToHaveValueAsync("");
        await Expect(Rows(tab)).ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_bad_my_number_shows_the_problem_naming_the_field_and_nothing_is_written()
    {
        await using var tab = await SignedInAsync();
        var badNumber = MyNumbers.WithWrongCheckDigits(MyNumbers.Next()).First();
        var before = await Ledger.EventCountAsync();

        await SearchAsync(tab, badNumber);

        await Expect(tab["#outcome .problem"]).ToBeVisibleAsync();
        await Expect(tab["#outcome .problem-status"]).ToContainTextAsync("400");
        await Expect(tab["#outcome .problem-field"]).ToHaveTextAsync("myNumber");
        await Expect(Rows(tab)).ToHaveCountAsync(0);
        (await Ledger.EventCountAsync()).Should().Be(before, "a refused search records no view");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Without_a_token_the_page_shows_the_401_problem()
    {
        await using var tab = await SignedInAsync(role: null);

        await SearchAsync(tab, Ledger.Person.MyNumber);

        await Expect(tab["#outcome .problem"]).ToHaveAttributeAsync("data-status", "401");
        await Expect(tab["#outcome .problem-status"]).ToContainTextAsync("認証されていません");
        await Expect(Rows(tab)).ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task With_another_roles_token_the_page_shows_the_403_problem()
    {
        await using var tab = await SignedInAsync(role: Roles.Auditor);
        await Expect(tab["#token-status"]).ToContainTextAsync("このページは mynaportal 用です");

        await SearchAsync(tab, Ledger.Person.MyNumber);

        await Expect(tab["#outcome .problem"]).ToHaveAttributeAsync("data-status", "403");
        await Expect(tab["#outcome .problem-status"]).ToContainTextAsync("このトークンのロールでは利用できません");
        await Expect(Rows(tab)).ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task With_scripts_off_the_form_cannot_send_the_number_anywhere()
    {
        await using var tab = await site.OpenAsync(javaScript: false);
        await tab.GotoAsync("/portal/");
        var number = Ledger.Person.MyNumber;

        await tab.Page.FillAsync("#my-number", number);
        await tab.Page.PressAsync("#my-number", "Enter");
        // Proving a negative: a submission, had there been one, would have left within this time.
        await tab.Page.WaitForTimeoutAsync(1000);

        await Expect(tab["#search-button"]).ToBeDisabledAsync();
        (await tab["#my-number"].GetAttributeAsync("name")).Should().BeNull("an unnamed field is never part of a form submission");
        await Expect(tab["#search"]).ToHaveAttributeAsync("method", "post");
        tab.Requests.Where(r => r.Method == "POST").Should().BeEmpty("nothing was submitted");
        tab.Requests.Any(r => r.Url.Contains(number, StringComparison.Ordinal) || (r.PostData?.Contains(number, StringComparison.Ordinal) ?? false))
            .Should().BeFalse();
        tab.Page.Url.Should().EndWith("/portal/");
    }
}
