using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Mynaportal;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>
/// Business time is the caller's word, so it is bounded: never before the linkage a record relies on, never before the
/// floor, and a record recorded late is shown to the person for its retention period counted from its recording.
/// </summary>
public sealed class BusinessTimeBoundsTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    [Fact]
    public async Task An_inquiry_dated_before_the_linkage_it_relies_on_is_refused_naming_requestedAt()
    {
        var person = await api.LinkPersonAsync(linkedAt: Jst("2025-04-01T10:00:00+09:00"));

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => api.Institution(person.InquirerCode).PostInquiryAsync(
            ExchangeScenarios.InquiryRequest(person, requestedAt: Jst("2025-01-01T09:00:00+09:00"))));

        problem.ShouldName("requestedAt");
    }

    [Fact]
    public async Task A_provision_dated_before_the_providers_linkage_is_refused_naming_providedAt()
    {
        var person = await api.LinkPersonAsync(linkedAt: Jst("2025-04-01T10:00:00+09:00"));
        var atShinjuku = person with { ProviderCode = Institutions.Shinjuku, ProviderRecordId = LinkageScenarios.NewLocalRecordId() };
        await api.LinkAsync(Institutions.Shinjuku, atShinjuku.ProviderRecordId, person.MyNumber, At(Jst("2025-06-01T10:00:00+09:00")));
        var exchangeId = await api.MakeInquiryAsync(atShinjuku, Jst("2025-05-01T09:00:00+09:00"));

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => api.Institution(Institutions.Shinjuku).PostProvisionAsync(
            exchangeId, ExchangeScenarios.ProvisionRequest(atShinjuku, Jst("2025-05-01T09:01:00+09:00"))));

        problem.ShouldName("providedAt");
    }

    [Theory]
    [InlineData("2012-01-01T00:00:00+09:00")]
    [InlineData("0001-01-01T00:00:00+00:00")]
    [InlineData("2015-10-04T23:59:59+09:00")]
    public async Task Business_times_before_the_floor_are_refused(string when)
    {
        var person = await api.LinkPersonAsync();
        var linkRequest = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        At(Jst(when))(linkRequest);

        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.Institution(person.InquirerCode).PostInquiryAsync(
            ExchangeScenarios.InquiryRequest(person, requestedAt: Jst(when))))).ShouldName("requestedAt");
        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostLinkAsync(Institutions.Chiyoda, linkRequest))).ShouldName("occurredAt");
    }

    [Fact]
    public async Task A_record_recorded_late_is_shown_for_seven_years_from_its_recording_and_marked_late_for_auditors()
    {
        var now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var person = await api.LinkPersonAsync(linkedAt: now.AddYears(-8));
        var requestedAt = now.AddYears(-7).AddDays(-30);

        var exchangeId = await api.RecordExchangeAsync(person, requestedAt);

        (await api.PortalRecordsAsync(person.MyNumber)).Should().ContainSingle()
            .Which.RequestedAt.Should().BeCloseTo(requestedAt, TimeSpan.FromSeconds(1));
        var history = JsonNode.Parse(await (await api.As(Roles.Auditor).GetAsync(ExchangeScenarios.HistoryRoute(exchangeId))).Content.ReadAsStringAsync())!;
        history["original"]!["recordedLate"]!.GetValue<bool>().Should().BeTrue();
    }

    [Fact]
    public async Task A_record_recorded_on_time_and_older_than_seven_years_is_not_shown()
    {
        var now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(9));
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        var history = JsonNode.Parse(await (await api.As(Roles.Auditor).GetAsync(ExchangeScenarios.HistoryRoute(exchangeId))).Content.ReadAsStringAsync())!;

        // The scenario's business time lies well before "now": the same record recorded late, yet within seven years.
        history["original"]!["recordedLate"]!.GetValue<bool>().Should().Be(now - ExchangeScenarios.RequestedAt > TimeSpan.FromDays(1));
        (await api.PortalRecordsAsync(person.MyNumber)).Should().ContainSingle();
    }
}
