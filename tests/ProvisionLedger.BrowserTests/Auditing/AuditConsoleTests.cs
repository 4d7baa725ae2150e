using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.BrowserTests.Harness;
using ProvisionLedger.Tests.Harness;
using static Microsoft.Playwright.Assertions;

namespace ProvisionLedger.BrowserTests.Auditing;

/// <summary>The auditor console (/console/audit/) in Chromium.</summary>
public sealed class AuditConsoleTests(BrowserSite<AuditConsoleLedger> site) : IClassFixture<BrowserSite<AuditConsoleLedger>>
{
    private async Task<SitePage> SignedInAsync(string role = Roles.Auditor)
    {
        var tab = await site.OpenAsync();
        await tab.GotoAsync("/console/audit/");
        await tab.SignInAsync(site.Token(role));
        return tab;
    }

    [Fact]
    public async Task An_auditor_makes_a_checkpoint_sees_it_as_the_latest_and_proves_an_event_in_it()
    {
        await using var tab = await SignedInAsync();

        await tab.Page.ClickAsync("#checkpoint-make");
        await Expect(tab["#checkpoint-view h3"]).ToContainTextAsync("作成したチェックポイント");
        var made = await tab["#checkpoint-shown-id"].InnerTextAsync();
        var length = long.Parse(await tab["#checkpoint-sequence"].InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        length.Should().BeGreaterThan(0);

        await tab.Page.ClickAsync("#checkpoint-latest");
        await Expect(tab["#checkpoint-view h3"]).ToContainTextAsync("最新のチェックポイント");
        await Expect(tab["#checkpoint-shown-id"]).ToHaveTextAsync(made);

        await tab.Page.FillAsync("#proof-seq", "1");
        await tab.Page.FillAsync("#proof-checkpoint", made);
        await tab.Page.ClickAsync("#proof-query button[type=submit]");
        await Expect(tab["#proof-view"]).ToContainTextAsync($"0 / {length}");
        await Expect(tab["#proof-view #proof-path li"]).Not.ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Reconciliation_shows_that_the_three_copies_agree()
    {
        await using var tab = await SignedInAsync();

        await tab.Page.ClickAsync("#reconcile-query button[type=submit]");

        await Expect(tab["#reconciliation-verdict"]).ToHaveClassAsync("consistent");
        await Expect(tab["#reconciliation-verdict"]).ToContainTextAsync("三者の記録は一致し");
        await Expect(tab["#reconciliation-exchanges"]).ToHaveTextAsync("2");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_inquirers_copies_lead_to_a_records_append_history()
    {
        await using var tab = await SignedInAsync();

        await tab.Page.SelectOptionAsync("#copies-party", "inquirer");
        await tab.Page.FillAsync("#copies-institution", Institutions.Chiyoda);
        await tab.Page.ClickAsync("#copies-query button[type=submit]");
        await Expect(tab["#copies-list tbody tr"]).ToHaveCountAsync(2);
        await Expect(tab["#copies-list"]).ToContainTextAsync(site.Ledger.Person.InquirerRecordId);
        await tab.Page.ClickAsync($"#copies-list button:text-is('{site.Ledger.CorrectedExchangeId}')");

        await Expect(tab["#exchange-view tbody tr"]).ToHaveCountAsync(3);
        await Expect(tab["#exchange-view tbody tr"].Nth(0)).ToContainTextAsync("情報照会");
        await Expect(tab["#exchange-view tbody tr"].Nth(1)).ToContainTextAsync("情報提供");
        await Expect(tab["#exchange-view tbody tr"].Nth(2)).ToContainTextAsync($"【事務手続誤り】{AuditConsoleLedger.CorrectionNote}");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_search_of_the_persons_reads_finds_the_portal_view_with_the_number_in_the_body_only()
    {
        await using var tab = await SignedInAsync();
        var number = site.Ledger.Person.MyNumber;

        await tab.Page.FillAsync("#access-my-number", number);
        await tab.Page.ClickAsync("#access-person-query button[type=submit]");

        await Expect(tab["#access-list tbody"]).ToContainTextAsync("mynaportal/records");
        await Expect(tab["#access-list tbody"]).ToContainTextAsync("mynaportal:test");
        tab.Requests.Should().ContainSingle(r => r.Url.EndsWith("/api/v1/audit/access/search", StringComparison.Ordinal))
            .Which.PostData.Should().Contain(number);
        tab.Requests.Any(r => r.Url.Contains(number, StringComparison.Ordinal)).Should().BeFalse();
        (await tab.Page.EvaluateAsync<string>("() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.title"))
            .Contains(number, StringComparison.Ordinal).Should().BeFalse();
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_access_log_by_institution_shows_who_read_its_records()
    {
        await using var tab = await SignedInAsync();
        await tab.Page.SelectOptionAsync("#copies-party", "provider");
        await tab.Page.FillAsync("#copies-institution", Institutions.Sapporo);
        await tab.Page.ClickAsync("#copies-query button[type=submit]");
        await Expect(tab["#copies-list tbody tr"]).ToHaveCountAsync(2);

        var today = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        await tab.Page.FillAsync("#access-institution", Institutions.Sapporo);
        await tab.Page.FillAsync("#access-from", today);
        await tab.Page.FillAsync("#access-to", today);
        await tab.Page.ClickAsync("#access-query button[type=submit]");

        await Expect(tab["#access-list tbody"]).ToContainTextAsync("party-copies:provider");
        await Expect(tab["#access-list tbody"]).ToContainTextAsync("auditor:test");

        // A period that ends the day before (in Japan time) holds none of today's reads.
        await tab.Page.FillAsync("#access-from", "2025-01-01");
        await tab.Page.FillAsync("#access-to", DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9)).AddDays(-1)
            .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await tab.Page.ClickAsync("#access-query button[type=submit]");
        await Expect(tab["#access-list"]).ToContainTextAsync("この条件の閲覧の記録はありません");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task Another_role_is_shown_the_403_problem()
    {
        await using var tab = await SignedInAsync(Roles.IncidentResponder);

        await tab.Page.ClickAsync("#reconcile-query button[type=submit]");

        await Expect(tab["#reconciliation-view .problem"]).ToHaveAttributeAsync("data-status", "403");
        await Expect(tab["#reconciliation-view .problem-status"]).ToContainTextAsync("403");
        tab.ShouldHaveRunCleanly();
    }
}
