using ProvisionLedger.Api.Incidents;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.ReferenceData;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>The trace's rules by direct call: given what the ledger holds, what the trace and the draft report say.</summary>
public sealed class TraceRulesTests
{
    private const string A = "131016";
    private const string B = "011002";
    private const string C = "131041";
    private const string LinkageId = "wrong-linkage";
    private static readonly CodeRegistry Codes = CodeRegistry.Load(null);
    private static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");
    private static readonly DateTimeOffset DiscoveredAt = Jst("2025-07-01T10:00:00+09:00");
    private static readonly DateTimeOffset CorrectedAt = Jst("2025-07-02T15:00:00+09:00");

    private static Incident Incident(bool improperPurpose = false, bool trueOwnerKnown = true) => new()
    {
        Id = "INC-1", LinkageId = LinkageId, InstitutionCode = A, LocalRecordId = "A-1", WrongSubjectRef = "w", CorrectSubjectRef = trueOwnerKnown ? "t" : null,
        CorrectedLinkageId = trueOwnerKnown ? "relinked" : null, LinkedAt = LinkedAt, DiscoveredAt = DiscoveredAt, DiscoveredBy = "staff-3",
        Cause = "cause", ImproperPurpose = improperPurpose, CorrectedAt = CorrectedAt,
    };

    private static Linkage Linkage() => new()
    {
        Id = LinkageId, InstitutionCode = A, LocalRecordId = "A-1", Method = LinkageMethods.ApplicantProvided,
        Evidence = new LinkageEvidence([], 1, ["個人番号カード"]), CheckerIds = ["staff-2"], ApproverId = "chief", LinkedAt = LinkedAt,
    };

    private static LinkedExchange AskedByA(string id, string result, DateTimeOffset? at = null) => new()
    {
        Id = id, InquirerLinkageId = LinkageId, ProviderLinkageId = "b-linkage", InquirerCode = A, ProviderCode = B, ProcedureCode = "74",
        InfoItemCode = "2", InquirerLocalRecordId = "A-1", ProviderLocalRecordId = "B-1", RequestedAt = at ?? Jst("2025-05-01T09:00:00+09:00"),
        ProvidedAt = at ?? Jst("2025-05-01T09:00:00+09:00"), Result = result,
    };

    private static LinkedExchange ProvidedByA(string id, string result) => new()
    {
        Id = id, InquirerLinkageId = "c-linkage", ProviderLinkageId = LinkageId, InquirerCode = C, ProviderCode = A, ProcedureCode = "57",
        InfoItemCode = "1", InquirerLocalRecordId = "C-1", ProviderLocalRecordId = "A-1", RequestedAt = Jst("2025-05-02T09:00:00+09:00"),
        ProvidedAt = Jst("2025-05-02T09:00:00+09:00"), Result = result,
    };

    private static RecordsViewed View(DateTimeOffset at, params string[] ids) => new("w", "self", null, ids, "mynaportal:portal", at);

    [Fact]
    public void Records_that_provided_nobodys_information_are_traced_but_count_no_person_and_are_not_reportable()
    {
        var trace = TraceBuilder.Build(Incident(), Linkage(), [AskedByA("X1", "no-data"), ProvidedByA("X2", "error")], [], Codes);

        trace.AffectedRecordCount.Should().Be(2);
        trace.AffectedPersonCount.Should().Be(0);
        trace.AffectedPersons.Notification.Should().BeEmpty();
        trace.ReceivingInstitutions.Should().BeEmpty();
        trace.InfoItems.Should().BeEmpty();
        trace.PpcReport.Reportable.Should().BeFalse();
        trace.PpcReport.Reasons.Should().ContainSingle().Which.Should().Contain("制度所管省庁");
        trace.PpcReport.Items[1].Content.Should().Contain("提供された特定個人情報はない");
    }

    [Fact]
    public void An_improper_purpose_is_reportable_by_itself_and_gives_the_final_report_60_days()
    {
        var trace = TraceBuilder.Build(Incident(improperPurpose: true), Linkage(), [], [], Codes);

        trace.PpcReport.Reportable.Should().BeTrue();
        trace.PpcReport.Reasons.Should().ContainSingle().Which.Should().Contain("不正の目的");
        trace.PpcReport.FinalDueDays.Should().Be(60);
        trace.PpcReport.FinalDueBy.Should().Be(Jst("2025-08-30T10:00:00+09:00"));
        trace.PpcReport.PreliminaryDueBy.Should().Be(Jst("2025-07-06T10:00:00+09:00"));
    }

    [Fact]
    public void Due_dates_count_in_japan_time_whatever_offset_the_discovery_was_given_in()
    {
        var incident = Incident();
        incident.DiscoveredAt = Jst("2025-06-30T20:00:00Z");

        var report = TraceBuilder.Build(incident, Linkage(), [], [], Codes).PpcReport;

        report.PreliminaryTargetBy.Offset.Should().Be(TimeSpan.FromHours(9));
        report.PreliminaryTargetBy.Should().Be(Jst("2025-07-04T05:00:00+09:00"));
    }

    [Fact]
    public void Each_person_is_counted_once_however_many_records_carried_their_information()
    {
        var trace = TraceBuilder.Build(Incident(), Linkage(),
            [AskedByA("X1", "provided"), AskedByA("X3", "provided"), ProvidedByA("X2", "provided"), ProvidedByA("X4", "provided")], [], Codes);

        trace.AffectedPersonCount.Should().Be(2);
        trace.ReceivingInstitutions.Should().BeEquivalentTo([new InstitutionRecords(A, "東京都千代田区", 2), new InstitutionRecords(C, "東京都新宿区", 2)]);
    }

    [Fact]
    public void Only_views_of_affected_records_between_the_linkage_and_the_correction_count_as_seen()
    {
        var views = new[]
        {
            View(LinkedAt.AddDays(-1), "X1"),
            View(Jst("2025-05-05T12:00:00+09:00"), "unrelated"),
            View(Jst("2025-05-06T12:00:00+09:00"), "X1", "unrelated"),
            View(DiscoveredAt.AddHours(1), "X1", "X2"),
            View(CorrectedAt.AddMinutes(1), "X1", "X2"),
        };

        var viewed = TraceBuilder.Build(Incident(), Linkage(), [AskedByA("X1", "provided"), ProvidedByA("X2", "provided")], views, Codes).ViewedByWrongSubject;

        viewed.Viewed.Should().BeTrue();
        viewed.ViewTimes.Should().Equal(Jst("2025-05-06T12:00:00+09:00"), DiscoveredAt.AddHours(1));
        viewed.RecordsSeen.Should().Be(2);
        viewed.ViewsAfterCorrection.Should().Be(1);
    }

    [Fact]
    public void Records_made_after_discovery_but_before_the_correction_are_traced_and_flagged()
    {
        var trace = TraceBuilder.Build(Incident(), Linkage(), [AskedByA("X9", "provided", DiscoveredAt.AddHours(2))], [], Codes);

        trace.AffectedRecords.Should().ContainSingle().Which.AfterDiscovery.Should().BeTrue();
    }

    [Fact]
    public void A_sound_linkage_has_no_findings_and_the_report_still_asks_for_the_measures()
    {
        var trace = TraceBuilder.Build(Incident(), Linkage(), [], [], Codes);

        trace.Cause.Findings.Should().BeEmpty();
        trace.Cause.Matches2023Pattern.Should().BeFalse();
        trace.PpcReport.Items[7].Content.Should().Contain("【要記入】").And.Contain("定期的・体系的な点検");
    }
}
