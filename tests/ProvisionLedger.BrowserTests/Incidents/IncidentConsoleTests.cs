using Microsoft.Playwright;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.BrowserTests.Harness;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Incidents;
using ProvisionLedger.Tests.Linkages;
using static Microsoft.Playwright.Assertions;
using static ProvisionLedger.Tests.Incidents.MisLinkageScenario;

namespace ProvisionLedger.BrowserTests.Incidents;

/// <summary>
/// The incident console (/console/incidents/) on the 2023 pattern, seeded through the API as the unit tests seed it
/// (<see cref="MisLinkageScenario"/>): 千代田区 linked a record to the wrong person W, W saw the records on Mynaportal,
/// then 千代田区 confirmed the mis-linkage on 2025-07-01 10:00 JST.
/// </summary>
public sealed class IncidentConsoleTests(BrowserSite<MisLinkageScenario> site) : IClassFixture<BrowserSite<MisLinkageScenario>>
{
    private async Task<SitePage> SignedInAsync(string role = Roles.IncidentResponder)
    {
        var tab = await site.OpenAsync();
        await tab.GotoAsync("/console/incidents/");
        await tab.SignInAsync(site.Token(role));
        return tab;
    }

    private async Task OpenTraceFromTheListAsync(SitePage tab)
    {
        await tab.Page.FillAsync("#incident-institution", A);
        await tab.Page.ClickAsync("#incident-query button[type=submit]");
        await Expect(tab["#incident-list tbody tr"]).ToHaveCountAsync(1);
        await Expect(tab["#incident-list"]).ToContainTextAsync(site.Ledger.IncidentId);
        await tab.Page.ClickAsync($"#incident-list button[data-incident='{site.Ledger.IncidentId}']");
        await Expect(tab["#trace-view h3"].First).ToContainTextAsync(site.Ledger.IncidentId);
    }

    [Fact]
    public async Task The_list_shows_the_incident_and_its_trace_shows_counts_the_wrong_persons_views_and_the_report_draft()
    {
        await using var tab = await SignedInAsync();

        await OpenTraceFromTheListAsync(tab);

        await Expect(tab["#affected-record-count"]).ToHaveTextAsync("3 件");
        await Expect(tab["#affected-person-count"]).ToHaveTextAsync("2 人");
        await Expect(tab["#viewed-by-wrong-subject"]).ToHaveTextAsync("あり（閲覧された）");
        await Expect(tab["#view-times li"]).ToHaveCountAsync(1);
        await Expect(tab["#reportable"]).ToHaveTextAsync("該当する (reportable)");
        await Expect(tab["#preliminary-due"]).ToHaveTextAsync("2025-07-06 10:00:00 +09:00");
        await Expect(tab["#final-due"]).ToContainTextAsync("2025-07-31 10:00:00 +09:00");
        var trace = tab["#trace-view"];
        foreach (var exchange in new[] { AskedByA, ProvidedByA, NoDataForA })
        {
            await Expect(trace).ToContainTextAsync(exchange);
        }

        await Expect(trace).Not.ToContainTextAsync(Unrelated);
        await Expect(trace).ToContainTextAsync("北海道札幌市");
        await Expect(trace).ToContainTextAsync("地方税関係情報（課税情報）");
        foreach (var heading in new[] { "1. 概要", "2. 特定個人情報の項目", "3. 本人の数", "4. 原因", "5. 二次被害又はそのおそれの有無及びその内容",
                     "6. 本人への対応の実施状況", "7. 公表の実施状況", "8. 再発防止のための措置", "9. その他参考となる事項" })
        {
            await Expect(trace).ToContainTextAsync(heading);
        }

        (await tab["#trace-view mark.todo"].CountAsync()).Should().BeGreaterThan(0, "the parts only the institution can fill are marked 【要記入】");
        // The cause as the institution wrote it, markup and all, is text on the page: never markup.
        await Expect(trace).ToContainTextAsync(CauseWithMarkup);
        (await tab["#trace-view b"].CountAsync()).Should().Be(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_printable_report_opens_in_a_window_of_its_own_addressed_to_the_ppc()
    {
        await using var tab = await SignedInAsync(Roles.Auditor);
        await OpenTraceFromTheListAsync(tab);

        var report = await tab.Page.RunAndWaitForPopupAsync(() => tab.Page.ClickAsync("#open-report"));

        await report.WaitForURLAsync(url => url.StartsWith("blob:", StringComparison.Ordinal));
        await Expect(report.Locator("body")).ToContainTextAsync("個人情報保護委員会");
        await Expect(report.Locator("h1")).ToHaveTextAsync("漏えい等報告（速報／確報）案");
        // The report's own stylesheet applies: the policy allows it by its hash.
        (await report.EvaluateAsync<string>("() => getComputedStyle(document.querySelector('h1')).borderBottomStyle")).Should().Be("solid");
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_risk_view_lists_linkages_made_the_2023_way_and_pages_with_next()
    {
        // Two more linkages in force made the way the 2023 errors were: the wrong one itself has ended.
        foreach (var (record, day) in new[] { ("A-RISK-0001", 1), ("A-RISK-0002", 2) })
        {
            await site.Ledger.LinkAsync(A, record, MyNumbers.Next(),
                IncidentScenarios.At(LinkedAt.AddDays(day), IncidentScenarios.ThreeItemQueryWithTwoCandidatesAndNoChecker));
        }

        await using var tab = await SignedInAsync();
        await tab.Page.FillAsync("#risk-institution", A);
        await tab.Page.CheckAsync("#risk-pattern");
        await tab.Page.FillAsync("#risk-page-size", "1");
        await tab.Page.ClickAsync("#risk-query button[type=submit]");

        await Expect(tab["#risk-list tbody tr"]).ToHaveCountAsync(1);
        var first = await tab["#risk-list tbody"].InnerTextAsync();
        await Expect(tab["#risk-list"]).ToContainTextAsync("複数の者（2人）が該当した");
        await tab.Page.ClickAsync("#risk-next");
        await Expect(tab["#risk-page"]).ToHaveTextAsync("2 ページ目");
        var second = await tab["#risk-list tbody"].InnerTextAsync();

        new[] { first, second }.Should().SatisfyRespectively(
            one => one.Should().Contain("A-RISK-0001"),
            two => two.Should().Contain("A-RISK-0002"));
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task The_linkage_history_is_shown_as_recorded_by_a_moment_and_valid_at_a_moment()
    {
        await using var tab = await SignedInAsync();

        await tab.Page.FillAsync("#history-linkage", site.Ledger.WrongLinkageId);
        await tab.Page.FillAsync("#history-as-of", "2020-01-01T00:00");
        await tab.Page.ClickAsync("#history-query button[type=submit]");
        await Expect(tab["#history-state"]).ToHaveTextAsync("未紐付け (never-linked)");
        await Expect(tab["#history-as-of-shown"]).ToHaveTextAsync("2020-01-01 00:00:00 +09:00");
        await Expect(tab["#history-view tbody tr"]).ToHaveCountAsync(0);

        await tab.Page.FillAsync("#history-as-of", "");
        await tab.Page.ClickAsync("#history-query button[type=submit]");
        // Now: the wrong linkage was confirmed and the record linked again to its true owner.
        await Expect(tab["#history-state"]).ToHaveTextAsync("有効 (active)");
        await Expect(tab["#history-view tbody tr"]).ToHaveCountAsync(4);
        await Expect(tab["#history-view tbody tr td:nth-child(2)"]).ToHaveTextAsync(
            ["紐付け (subject-linked)", "点検（不一致） (linkage-discrepancy-found)", "紐付け誤りの確定 (mislinkage-confirmed)", "紐付け (subject-linked)"]);
        await Expect(tab["#history-view tbody tr"].Nth(3)).ToContainTextAsync("紐付け誤りの訂正");
        await Expect(tab["#history-valid-at-shown"]).ToHaveTextAsync("指定なし (any)");

        // Recorded by now, valid on 2025-06-20: re-checked (6/15) but not yet found wrong (7/1), whatever was recorded later.
        await tab.Page.FillAsync("#history-valid-at", "2025-06-20T00:00");
        await tab.Page.ClickAsync("#history-query button[type=submit]");
        await Expect(tab["#history-valid-at-shown"]).ToHaveTextAsync("2025-06-20 00:00:00 +09:00");
        await Expect(tab["#history-view tbody tr td:nth-child(2)"]).ToHaveTextAsync(
            ["紐付け (subject-linked)", "点検（不一致） (linkage-discrepancy-found)"]);
        await Expect(tab["#history-state"]).ToHaveTextAsync("有効 (active)");

        // Recorded by 2020, valid now: nothing had been recorded yet.
        await tab.Page.FillAsync("#history-as-of", "2020-01-01T00:00");
        await tab.Page.FillAsync("#history-valid-at", "2025-07-02T00:00");
        await tab.Page.ClickAsync("#history-query button[type=submit]");
        await Expect(tab["#history-as-of-shown"]).ToHaveTextAsync("2020-01-01 00:00:00 +09:00");
        await Expect(tab["#history-state"]).ToHaveTextAsync("未紐付け (never-linked)");
        await Expect(tab["#history-view tbody tr"]).ToHaveCountAsync(0);
        tab.ShouldHaveRunCleanly();
    }

    [Fact]
    public async Task A_role_that_may_not_read_incidents_is_shown_the_403_problem_and_no_token_the_401()
    {
        await using var tab = await SignedInAsync(Roles.Mynaportal);

        await tab.Page.ClickAsync("#incident-query button[type=submit]");
        await Expect(tab["#incident-list .problem"]).ToHaveAttributeAsync("data-status", "403");

        await tab.Page.ClickAsync("#token-clear");
        await tab.Page.FillAsync("#trace-id", site.Ledger.IncidentId);
        await tab.Page.ClickAsync("#trace-query button[type=submit]");
        await Expect(tab["#trace-view .problem"]).ToHaveAttributeAsync("data-status", "401");
        await Expect(tab["#trace-view .problem-status"]).ToContainTextAsync("401");
        tab.ShouldHaveRunCleanly();
    }
}
