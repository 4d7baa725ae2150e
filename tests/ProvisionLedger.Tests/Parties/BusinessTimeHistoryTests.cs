using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// GET /api/v1/exchanges/{id}/history?asOf=&amp;validAt=: the append history as recorded by asOf, of what had happened by
/// validAt, and the caller's copy as those entries make it.
/// </summary>
public sealed class BusinessTimeHistoryTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private HttpClient Inquirer => api.Institution(api.Person.InquirerCode);

    private async Task<JsonNode> HistoryAsync(string exchangeId, string query)
    {
        var response = await Inquirer.GetAsync(new Uri($"{ExchangeScenarios.HistoryRoute(exchangeId)}?{query}", UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, $"reading the history with {query}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string AsOf(DateTimeOffset at) => $"asOf={Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture))}";

    private static List<string?> Notes(JsonNode history, string list) => history[list]!.AsArray().Select(e => (string?)e!["note"]).ToList();

    [Fact]
    public async Task A_correction_recorded_late_with_an_earlier_business_time_is_answered_for_each_combination_of_asOf_and_validAt()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, At("2025-06-01T09:00:00+09:00"));
        await Inquirer.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("6月20日の追記", At("2025-06-20T10:00:00+09:00")));
        var betweenRecordings = DateTimeOffset.UtcNow;
        // Recorded last, dated first: the back-dated entry.
        await Inquirer.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("6月10日の追記", At("2025-06-10T15:00:00+09:00")));

        var thenOnJune15 = await HistoryAsync(exchangeId, $"{AsOf(betweenRecordings)}&validAt=2025-06-15");
        var nowOnJune15 = await HistoryAsync(exchangeId, "validAt=2025-06-15");
        var thenAtAnyTime = await HistoryAsync(exchangeId, AsOf(betweenRecordings));
        var nowOnJune30 = await HistoryAsync(exchangeId, "validAt=2025-06-30");
        var onJune10 = await HistoryAsync(exchangeId, "validAt=2025-06-10");
        var beforeTheCorrection = await HistoryAsync(exchangeId, "validAt=2025-06-10T14:59");
        var everything = await HistoryAsync(exchangeId, "");
        var beforeTheInquiry = await Inquirer.GetAsync(new Uri($"{ExchangeScenarios.HistoryRoute(exchangeId)}?validAt=2025-05-31", UriKind.Relative));
        var badValidAt = await Inquirer.GetAsync(new Uri($"{ExchangeScenarios.HistoryRoute(exchangeId)}?validAt=June", UriKind.Relative));

        Notes(thenOnJune15, "corrections").Should().BeEmpty("by asOf only the 6/20 entry was recorded, and it was not yet true on 6/15");
        thenOnJune15["record"]!["corrections"]!.AsArray().Should().BeEmpty();
        thenOnJune15["entries"]!.AsArray().Select(e => (string?)e!["kind"]).Should().Equal("inquiry-made", "information-provided");
        Notes(nowOnJune15, "corrections").Should().Equal("6月10日の追記");
        Notes(nowOnJune15["record"]!, "corrections").Should().Equal("6月10日の追記");
        Notes(thenAtAnyTime, "corrections").Should().Equal("6月20日の追記");
        Notes(nowOnJune30, "corrections").Should().Equal("6月20日の追記", "6月10日の追記");
        Notes(nowOnJune30["record"]!, "corrections").Should().Equal(["6月10日の追記", "6月20日の追記"], "the record holds them in business-time order");
        Notes(onJune10, "corrections").Should().Equal(["6月10日の追記"], "a bare date is the whole JST day");
        Notes(beforeTheCorrection, "corrections").Should().BeEmpty("a time without an offset is Japan time");
        Notes(everything, "corrections").Should().Equal("6月20日の追記", "6月10日の追記");
        everything["asOf"].Should().BeNull();
        ((DateTimeOffset)nowOnJune30["validAt"]!).Should().Be(At("2025-06-30T23:59:59.9999999+09:00"));
        beforeTheInquiry.StatusCode.Should().Be(HttpStatusCode.NotFound, "the inquiry had not been made by then");
        badValidAt.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badValidAt.ReadProblemAsync()).ShouldName("validAt");
    }
}
