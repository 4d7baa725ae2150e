using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;
using static ProvisionLedger.Tests.Incidents.MisLinkageScenario;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>What the ledger answers after the 2023 pattern has been confirmed as a mis-linkage (see <see cref="MisLinkageScenario"/>).</summary>
public sealed class MisLinkageIncidentTests(MisLinkageScenario api) : IClassFixture<MisLinkageScenario>
{
    private static readonly string[] NineItems =
    [
        "概要", "特定個人情報の項目", "本人の数", "原因", "二次被害又はそのおそれの有無及びその内容", "本人への対応の実施状況", "公表の実施状況",
        "再発防止のための措置", "その他参考となる事項",
    ];

    private HttpClient Responder => api.As(Roles.IncidentResponder);

    private async Task<TraceAnswer> TraceAsync()
    {
        var response = await Responder.GetAsync($"/api/v1/incidents/{api.IncidentId}/trace");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<TraceAnswer>();
    }

    [Fact]
    public async Task The_wrong_person_saw_the_records_before_discovery()
    {
        api.WsViewBeforeDiscovery.Items.Should().HaveCount(4, "W's view shows every record about W's number, the three under A's linkage included");
        api.WsViewBeforeDiscovery.Items.SelectMany(i => i.Corrections).Should().BeEmpty();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Confirming_again_with_the_same_body_answers_200_with_the_same_incident_and_writes_nothing()
    {
        var before = await api.EventCountAsync();

        var again = await api.Institution(A).ConfirmMisLinkageAsync(api.WrongLinkageId, api.ConfirmationBody);

        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.ReadJsonAsync<IncidentAnswer>()).IncidentId.Should().Be(api.IncidentId);
        (await api.EventCountAsync()).Should().Be(before);
        api.ConfirmationResponse.Headers.Location!.ToString().Should().Be($"/api/v1/incidents/{api.IncidentId}/trace");
    }

    [Fact]
    public async Task A_responder_confirming_the_same_linkage_with_another_body_gets_409()
    {
        var before = await api.EventCountAsync();

        var other = await Responder.ConfirmMisLinkageAsync(api.WrongLinkageId, Confirmation(DiscoveredAt, null, "別の原因"));

        other.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task The_trace_lists_every_record_made_under_the_wrong_linkage_from_the_institutions_side_and_nothing_else()
    {
        var trace = await TraceAsync();

        trace.IncidentId.Should().Be(api.IncidentId);
        trace.Institution.Should().Be(new CodeAndNameAnswer(A, "東京都千代田区"));
        trace.LinkageId.Should().Be(api.WrongLinkageId);
        trace.LocalRecordId.Should().Be(ARecord);
        trace.AffectedRecordCount.Should().Be(3);
        trace.AffectedRecords.Should().BeEquivalentTo(new[]
        {
            new AffectedRecordAnswer(AskedByA, "inquirer", new(B, "北海道札幌市"), new("74", "児童手当法による児童手当又は特例給付の支給に関する事務"),
                new("2", "地方税関係情報（課税情報）"), Jst("2025-05-01T09:00:00+09:00"), Jst("2025-05-01T09:00:05+09:00"), "provided", true, false),
            new AffectedRecordAnswer(ProvidedByA, "provider", new(C, "東京都新宿区"), new("57", "児童扶養手当法による児童扶養手当の支給に関する事務"),
                new("1", "住民基本台帳関係情報"), Jst("2025-05-10T14:00:00+09:00"), Jst("2025-05-10T14:00:03+09:00"), "provided", true, false),
            new AffectedRecordAnswer(NoDataForA, "inquirer", new(B, "北海道札幌市"), new("74", "児童手当法による児童手当又は特例給付の支給に関する事務"),
                new("53", "年金給付支給関係情報"), Jst("2025-06-01T09:00:00+09:00"), Jst("2025-06-01T09:00:02+09:00"), "no-data", false, false),
        }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task The_trace_counts_two_persons_without_naming_them_and_says_where_each_can_be_reached()
    {
        var trace = await TraceAsync();

        trace.AffectedPersonCount.Should().Be(2, "W's tax information reached A, and T's resident information reached C");
        trace.AffectedPersons.Should().BeEquivalentTo(new AffectedPersonsAnswer(2, true, true, true,
        [
            new NotificationAnswer("wrongly-linked-person", B, "北海道札幌市", [BRecordOfW]),
            new NotificationAnswer("wrongly-linked-person", C, "東京都新宿区", [CRecordOfW]),
            new NotificationAnswer("true-owner", A, "東京都千代田区", [ARecord]),
        ]));
    }

    [Fact]
    public async Task The_trace_names_the_receiving_institutions_the_items_and_the_exposure_window()
    {
        var trace = await TraceAsync();

        trace.ReceivingInstitutions.Should().BeEquivalentTo(new[]
        {
            new InstitutionRecordsAnswer(A, "東京都千代田区", 1), new InstitutionRecordsAnswer(C, "東京都新宿区", 1),
        });
        trace.InfoItems.Should().BeEquivalentTo(new[]
        {
            new InstitutionRecordsAnswer("1", "住民基本台帳関係情報", 1), new InstitutionRecordsAnswer("2", "地方税関係情報（課税情報）", 1),
        }, "a no-data answer provided no item");
        trace.ExposureWindow.Should().Be(new WindowAnswer(LinkedAt, DiscoveredAt));
        trace.DiscoveredAt.Should().Be(DiscoveredAt);
        trace.DiscoveredBy.Should().Be("staff-3");
        trace.Relinked.Should().BeTrue();
        trace.CorrectedLinkageId.Should().NotBeNullOrEmpty().And.NotBe(api.WrongLinkageId);
        trace.CorrectedAt.Should().BeCloseTo(api.ConfirmedAround, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_trace_shows_that_the_wrong_person_viewed_the_records_and_when()
    {
        var trace = await TraceAsync();

        var viewed = trace.ViewedByWrongSubject;
        viewed.Viewed.Should().BeTrue();
        viewed.ViewTimes.Should().ContainSingle().Which.Should().BeCloseTo(api.ViewedAround, TimeSpan.FromMinutes(1));
        viewed.RecordsSeen.Should().Be(3, "the view showed all three records under A's linkage (and the unrelated one, which does not count)");
        viewed.Views.Should().ContainSingle().Which.Should().BeEquivalentTo(new { ViewerKind = "self", AffectedRecordsShown = 3 });
        viewed.WatchedFrom.Should().Be(LinkedAt);
        viewed.WatchedUntil.Should().Be(trace.CorrectedAt);
    }

    [Fact]
    public async Task Views_after_the_correction_are_counted_apart_and_do_not_make_the_records_seen_in_the_window()
    {
        var afterCorrection = await api.ViewPortalAsync(api.W);
        var trace = await TraceAsync();

        afterCorrection.Items.Should().HaveCount(4);
        trace.ViewedByWrongSubject.ViewTimes.Should().ContainSingle();
        trace.ViewedByWrongSubject.ViewsAfterCorrection.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task The_trace_gives_the_stated_cause_and_the_findings_drawn_from_the_linkage_evidence()
    {
        var trace = await TraceAsync();

        trace.Cause.Stated.Should().Be(CauseWithMarkup);
        trace.Cause.ImproperPurpose.Should().BeFalse();
        trace.Cause.Findings.Select(f => f.Code).Should().Equal(
            "jlis-query-without-address", "multiple-candidates", "no-second-checker", "no-approver", "disagreeing-recheck");
        trace.Cause.Findings.Should().OnlyContain(f => f.Description.Length > 0);
        trace.Cause.Findings[0].Description.Should().Contain("カナ氏名・生年月日・性別");
        trace.Cause.Findings[1].Description.Should().Contain("2人");
        trace.Cause.Findings[4].Description.Should().Contain("2025年6月15日").And.Contain("住所が住民票と一致しない");
        trace.Cause.Matches2023Pattern.Should().BeTrue();
        trace.Cause.Linkage.Should().BeEquivalentTo(new LinkageEvidenceAnswer("jlis-3-items", ["kanaName", "dateOfBirth", "sex"], 2, [], 0, false, LinkedAt,
            [new RecheckAnswer("jlis-4-items", false, "住所が住民票と一致しない", RecheckedAt)]));
    }

    [Fact]
    public async Task The_draft_report_is_reportable_with_its_due_dates_and_the_nine_items_in_order()
    {
        var report = (await TraceAsync()).PpcReport;

        report.Reportable.Should().BeTrue();
        report.Reasons.Should().ContainSingle().Which.Should().Contain("情報提供ネットワークシステム");
        report.PreliminaryTargetBy.Should().Be(Jst("2025-07-04T10:00:00+09:00"));
        report.PreliminaryDueBy.Should().Be(Jst("2025-07-06T10:00:00+09:00"));
        report.FinalDueBy.Should().Be(Jst("2025-07-31T10:00:00+09:00"));
        report.FinalDueDays.Should().Be(30);
        report.Items.Select(i => i.Heading).Should().Equal(NineItems);
        report.Items.Select(i => i.Number).Should().Equal(1, 2, 3, 4, 5, 6, 7, 8, 9);
        report.Items.Should().OnlyContain(i => i.Content.Length > 0 && (i.Status == "記入済" || i.Status == "一部要記入" || i.Status == "要記入"));
        report.Items[0].Content.Should().Contain("東京都千代田区").And.Contain("3件").And.Contain("【要記入】");
        report.Items[1].Content.Should().Contain("住民基本台帳関係情報").And.Contain("地方税関係情報（課税情報）");
        report.Items[2].Content.Should().StartWith("2人");
        report.Items[3].Content.Should().Contain(CauseWithMarkup).And.Contain("複数の者（2人）");
        report.Items[4].Content.Should().Contain("3件").And.Contain("東京都新宿区");
        report.Items[6].Status.Should().Be("要記入");
        report.Items[7].Content.Should().Contain("基本4情報").And.Contain("上長");
        report.Items[8].Content.Should().Contain(api.IncidentId).And.Contain("2025年7月31日");
    }

    [Fact]
    public async Task The_timeline_runs_from_the_linkage_to_the_correction()
    {
        var trace = await TraceAsync();

        trace.Timeline.Select(t => t.At).Should().BeInAscendingOrder();
        trace.Timeline[0].At.Should().Be(LinkedAt);
        trace.Timeline[0].Description.Should().Contain("該当2人").And.Contain("確認者0人");
        trace.Timeline.Should().Contain(t => t.At == DiscoveredAt && t.Description.Contains("staff-3"));
        trace.Timeline.Should().Contain(t => t.At == RecheckedAt && t.Description.Contains("不一致"));
        trace.Timeline[^1].Description.Should().Contain("3件の記録に追記").And.Contain("1件の記録を情報の本人に帰属");
    }

    [Fact]
    public async Task The_wrong_persons_view_keeps_the_records_each_with_the_mis_linkage_correction()
    {
        var view = await api.ViewPortalAsync(api.W);

        view.Items.Should().HaveCount(4);
        var corrected = view.Items.Where(i => i.Corrections.Count > 0).ToList();
        corrected.Should().HaveCount(3, "the three records under A's linkage carry the note; W's own exchange between B and C does not");
        corrected.Should().OnlyContain(i => i.Corrections.Single().Kind == "mis-linkage" && i.Corrections.Single().Note.Contains("東京都千代田区"));
        corrected.Select(i => i.InquirerName).Should().BeEquivalentTo(["東京都千代田区", "東京都新宿区", "東京都千代田区"]);
    }

    [Fact]
    public async Task The_true_owners_view_shows_the_record_in_which_their_information_was_provided_and_only_that()
    {
        var view = await api.ViewPortalAsync(api.T);

        var item = view.Items.Should().ContainSingle("only the provider-side record carried T's information").Subject;
        item.InquirerName.Should().Be("東京都新宿区");
        item.ProviderName.Should().Be("東京都千代田区");
        item.InfoItemName.Should().Be("住民基本台帳関係情報");
        item.Result.Should().Be("provided");
        item.Corrections.Should().ContainSingle().Which.Kind.Should().Be("mis-linkage");
    }

    [Theory]
    [InlineData(A, "inquirer", AskedByA)]
    [InlineData(A, "inquirer", NoDataForA)]
    [InlineData(A, "provider", ProvidedByA)]
    [InlineData(B, "provider", AskedByA)]
    [InlineData(C, "inquirer", ProvidedByA)]
    public async Task Every_party_copy_of_an_affected_record_has_the_correction_appended(string institution, string role, string exchangeId)
    {
        var page = JsonNode.Parse(await api.Institution(institution).GetStringAsync($"/api/v1/parties/{institution}/records?role={role}&pageSize=500"))!;

        var record = page["items"]!.AsArray().Single(i => (string?)i!["exchangeId"] == exchangeId)!;
        var correction = record["corrections"]!.AsArray().Should().ContainSingle().Subject!;
        ((string?)correction["kind"]).Should().Be("mis-linkage");
    }

    [Fact]
    public async Task The_network_systems_copies_and_the_unrelated_record()
    {
        var page = JsonNode.Parse(await api.As(Roles.Nws).GetStringAsync("/api/v1/parties/nws/records?pageSize=500"))!;
        var items = page["items"]!.AsArray().ToDictionary(i => (string)i!["exchangeId"]!, i => i!["corrections"]!.AsArray().Count);

        items[AskedByA].Should().Be(1);
        items[ProvidedByA].Should().Be(1);
        items[NoDataForA].Should().Be(1);
        items[Unrelated].Should().Be(0);
    }

    [Fact]
    public async Task The_history_of_an_affected_record_shows_the_original_then_the_appended_correction()
    {
        var history = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/exchanges/{ProvidedByA}/history"))!;

        ((string?)history["original"]!["kind"]).Should().Be("inquiry-made");
        var kinds = history["entries"]!.AsArray().Select(e => (string?)e!["kind"]).ToList();
        kinds.Should().Equal("inquiry-made", "information-provided", "correction-appended", "record-attributed");
        ((string?)history["corrections"]!.AsArray().Single()!["correctionKind"]).Should().Be("mis-linkage");
    }

    [Fact]
    public async Task The_linkage_history_shows_the_wrong_linkage_ended_and_the_record_relinked_from_discovery()
    {
        var history = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{api.WrongLinkageId}/history"))!;

        var events = history["events"]!.AsArray();
        events.Select(e => (string?)e!["kind"]).Should().Equal("subject-linked", "linkage-discrepancy-found", "mislinkage-confirmed", "subject-linked");
        ((string?)events[2]!["incidentId"]).Should().Be(api.IncidentId);
        ((string?)events[3]!["method"]).Should().Be("mislinkage-correction");
        ((string?)events[3]!["incidentId"]).Should().Be(api.IncidentId);
        ((DateTimeOffset)events[3]!["occurredAt"]!).Should().Be(DiscoveredAt);
        ((string?)history["state"]!["status"]).Should().Be("active");
        ((string?)history["state"]!["linkageId"]).Should().NotBe(api.WrongLinkageId);
    }

    [Fact]
    public async Task The_html_report_is_a_printable_japanese_document_with_the_nine_items_records_and_timeline()
    {
        var response = await Responder.GetAsync($"/api/v1/incidents/{api.IncidentId}/report");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        response.Content.Headers.ContentType.CharSet.Should().Be("utf-8");
        var html = await response.Content.ReadAsStringAsync();
        html.Should().StartWith("<!DOCTYPE html>").And.Contain("<html lang=\"ja\">");
        html.Should().Contain("個人情報保護委員会 宛").And.Contain("漏えい等報告（速報／確報）");
        foreach (var heading in NineItems)
        {
            html.Should().Contain(heading);
        }

        html.Should().Contain(AskedByA).And.Contain(ProvidedByA).And.Contain(NoDataForA).And.NotContain(Unrelated);
        html.Should().Contain("2025年7月4日").And.Contain("2025年7月6日").And.Contain("2025年7月31日");
        html.Should().Contain("経過").And.Contain("紐付け誤りの発見");
        html.Should().Contain("&lt;b&gt;2人&lt;/b&gt;", "the stated cause is text, not markup").And.NotContain("<b>2人</b>");
    }

    [Fact]
    public async Task Incidents_are_listed_per_institution_and_period()
    {
        var forA = await api.Institution(A).GetAsync("/api/v1/incidents?from=2025-07-01&to=2025-07-31");
        var byResponder = await Responder.GetAsync($"/api/v1/incidents?institutionCode={A}&from=2025-07-01T00:00:00%2B09:00");
        var outsidePeriod = await Responder.GetAsync($"/api/v1/incidents?institutionCode={A}&to=2025-06-30");
        var otherInstitution = await api.Institution(B).GetAsync($"/api/v1/incidents?institutionCode={A}");

        forA.StatusCode.Should().Be(HttpStatusCode.OK);
        var listed = (await forA.ReadJsonAsync<IncidentPageAnswer>()).Items.Should().ContainSingle().Subject;
        listed.Should().BeEquivalentTo(new
        {
            IncidentId = api.IncidentId, InstitutionCode = A, LinkageId = api.WrongLinkageId, LocalRecordId = ARecord, DiscoveredAt,
            Relinked = true, InquirerRecords = 2, ProviderRecords = 1, FinalDueBy = Jst("2025-07-31T10:00:00+09:00"),
        });
        (await byResponder.ReadJsonAsync<IncidentPageAnswer>()).Items.Should().ContainSingle();
        (await outsidePeriod.ReadJsonAsync<IncidentPageAnswer>()).Items.Should().BeEmpty();
        otherInstitution.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_trace_and_report_are_for_responders_and_auditors_only()
    {
        (await api.As(Roles.Auditor).GetAsync($"/api/v1/incidents/{api.IncidentId}/trace")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await api.Institution(A).GetAsync($"/api/v1/incidents/{api.IncidentId}/trace")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await api.As(Roles.Mynaportal).GetAsync($"/api/v1/incidents/{api.IncidentId}/report")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await api.Anonymous().GetAsync($"/api/v1/incidents/{api.IncidentId}/trace")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await Responder.GetAsync("/api/v1/incidents/INC-0000000000000000/trace")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Reading_the_trace_is_in_both_persons_access_logs()
    {
        await TraceAsync();

        foreach (var person in new[] { api.W, api.T })
        {
            var log = JsonNode.Parse(await (await api.As(Roles.Auditor).PostJsonAsync("/api/v1/audit/access/search", new { myNumber = person }))
                .Content.ReadAsStringAsync())!;
            log["items"]!.AsArray().Select(i => (string?)i!["resource"]).Should().Contain($"incident-trace:{api.IncidentId}");
        }
    }

    [Fact]
    public async Task After_the_confirmation_every_copy_and_both_persons_portal_entries_equal_their_rebuild_from_the_events()
    {
        await TraceAsync();

        var response = await api.As(Roles.Auditor).GetAsync("/api/v1/parties/reconciliation");
        var report = await response.ReadJsonAsync<ProvisionLedger.Api.Parties.Reconciling.ReconciliationReport>();

        report.Divergences.Should().BeEmpty();
        report.Consistent.Should().BeTrue();
    }

    [Fact]
    public async Task No_my_number_and_no_subject_ref_appears_in_any_incident_answer()
    {
        var answers = new List<string>
        {
            await api.ConfirmationResponse.Content.ReadAsStringAsync(),
            await Responder.GetStringAsync($"/api/v1/incidents/{api.IncidentId}/trace"),
            await api.As(Roles.Auditor).GetStringAsync($"/api/v1/incidents/{api.IncidentId}/trace"),
            await Responder.GetStringAsync($"/api/v1/incidents/{api.IncidentId}/report"),
            await Responder.GetStringAsync("/api/v1/incidents"),
            await api.Institution(A).GetStringAsync("/api/v1/incidents"),
            await Responder.GetStringAsync("/api/v1/linkages/risks"),
            await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{api.WrongLinkageId}/history"),
            await api.As(Roles.Auditor).GetStringAsync($"/api/v1/exchanges/{ProvidedByA}/history"),
            await (await api.Institution(A).ConfirmMisLinkageAsync(api.WrongLinkageId, api.ConfirmationBody)).Content.ReadAsStringAsync(),
            await (await api.Institution(A).ConfirmMisLinkageAsync(api.WrongLinkageId, Confirmation(DiscoveredAt, api.W))).Content.ReadAsStringAsync(),
            System.Text.Json.JsonSerializer.Serialize(await api.ViewPortalAsync(api.W)),
            System.Text.Json.JsonSerializer.Serialize(await api.ViewPortalAsync(api.T)),
        };

        var secrets = new[] { api.W, api.T, api.SubjectRefOf(api.W), api.SubjectRefOf(api.T) };
        foreach (var answer in answers)
        {
            foreach (var secret in secrets)
            {
                answer.Should().NotContain(secret);
            }
        }

        var stored = await api.DatabaseTextAsync();
        stored.Should().NotContain(api.W).And.NotContain(api.T);
        api.Logs.Lines.Should().NotContain(l => l.Contains(api.W) || l.Contains(api.T));
    }
}
