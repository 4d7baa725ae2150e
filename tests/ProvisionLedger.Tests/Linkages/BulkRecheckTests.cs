using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>POST /api/v1/linkages/verifications/batch: a file of re-check results, recorded all or nothing.</summary>
public sealed class BulkRecheckTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private const string Route = "/api/v1/linkages/verifications/batch";
    private const string A = Institutions.Chiyoda;
    private const string B = Institutions.Sapporo;
    private static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");

    private async Task<string> LinkAsync(string institution = A) =>
        (await api.LinkAsync(institution, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next(), At(LinkedAt))).LinkageId;

    private Task<HttpResponseMessage> SendAsync(string text, string mediaType = "text/csv", string institution = A) =>
        api.Institution(institution).PostAsync(Route, new StringContent(text, Encoding.UTF8, mediaType));

    private async Task<List<string?>> HistoryKindsAsync(string linkageId)
    {
        var history = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{linkageId}/history"))!;
        return history["events"]!.AsArray().Select(e => (string?)e!["kind"]).ToList();
    }

    [Fact]
    public async Task A_csv_file_is_recorded_line_by_line_and_the_same_file_again_is_answered_200_without_writing()
    {
        var first = await LinkAsync();
        var second = await LinkAsync();
        var csv = "linkageId,method,occurredAt,agreed,details\r\n" +
                  $"{first},jlis-4-items,2025-09-01T10:00:00+09:00,true,\r\n" +
                  $"{second},jlis-4-items,2025-09-01T10:05:00+09:00,false,\"住所が一致しない, 生年月日は一致\"\r\n";

        var response = await SendAsync(csv);
        var afterFirst = await api.EventCountAsync();
        var again = await SendAsync(csv);

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        ((int)answer["lines"]!).Should().Be(2);
        ((int)answer["recorded"]!).Should().Be(2);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonNode.Parse(await again.Content.ReadAsStringAsync())!["verifications"]!.ToJsonString().Should().Be(answer["verifications"]!.ToJsonString());
        (await api.EventCountAsync()).Should().Be(afterFirst);
        (await HistoryKindsAsync(first)).Should().Equal("subject-linked", "linkage-verified");
        (await HistoryKindsAsync(second)).Should().Equal("subject-linked", "linkage-discrepancy-found");
        var details = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{second}/history"))!["events"]![1]!["details"];
        ((string?)details).Should().Be("住所が一致しない, 生年月日は一致");
    }

    [Fact]
    public async Task Json_lines_are_accepted_and_a_line_already_recorded_through_the_single_route_is_recognised()
    {
        var linkageId = await LinkAsync();
        var single = await api.Institution(A).PostJsonAsync($"/api/v1/linkages/{linkageId}/verifications", new
        {
            method = "resident-registry", occurredAt = Jst("2025-09-02T10:00:00+09:00"), agreed = true, details = (string?)null,
        });
        single.StatusCode.Should().Be(HttpStatusCode.Created);
        var other = await LinkAsync();
        var before = await api.EventCountAsync();
        var lines = $"{{\"linkageId\":\"{linkageId}\",\"method\":\"resident-registry\",\"occurredAt\":\"2025-09-02T10:00:00+09:00\",\"agreed\":true}}\n" +
                    $"{{\"linkageId\":\"{other}\",\"method\":\"document-check\",\"occurredAt\":\"2025-09-02T11:00:00+09:00\",\"agreed\":true,\"details\":\"通知カード\"}}\n";

        var response = await SendAsync(lines, "application/x-ndjson");

        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        ((int)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["recorded"]!).Should().Be(1);
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    [Fact]
    public async Task Any_bad_line_is_a_400_naming_every_bad_line_and_field_and_nothing_is_written()
    {
        var good = await LinkAsync();
        var ended = await LinkAsync();
        (await api.Institution(A).ConfirmMisLinkageAsync(ended, Confirmation(Jst("2025-08-01T10:00:00+09:00"), null))).StatusCode.Should().Be(HttpStatusCode.Created);
        var others = await LinkAsync(B);
        var future = DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        var csv = string.Join("\n",
            "linkageId,method,occurredAt,agreed,details",
            $"{good},jlis-4-items,2025-09-01T10:00:00+09:00,true,",
            $"{good},jlis-4-items,{future},true,",
            $"{good},jlis-4-items,2025-09-01T10:00:00+09:00,,",
            "no-such-linkage,jlis-4-items,2025-09-01T10:00:00+09:00,true,",
            $"{others},jlis-4-items,2025-09-01T10:00:00+09:00,true,",
            $"{ended},jlis-4-items,2025-09-01T10:00:00+09:00,true,",
            $"{good},telepathy,2025-09-01,false,",
            $"{good},jlis-4-items,2025-03-01T10:00:00+09:00,true,",
            "\"unclosed,jlis-4-items,2025-09-01T10:00:00+09:00,true,",
            ",jlis-4-items,2025-09-01T10:00:00+09:00,true,");
        var before = await api.EventCountAsync();

        var response = await SendAsync(csv);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = await response.ReadProblemAsync();
        problem.Errors!.Keys.Should().BeEquivalentTo(
            "lines[3].occurredAt", "lines[4].agreed", "lines[5].linkageId", "lines[6].linkageId", "lines[7].linkageId",
            "lines[8].method", "lines[8].occurredAt", "lines[8].details", "lines[9].occurredAt", "lines[10].line", "lines[11].linkageId");
        (await api.EventCountAsync()).Should().Be(before);
        (await HistoryKindsAsync(good)).Should().Equal("subject-linked");
    }

    [Fact]
    public async Task Bad_json_lines_are_named_by_line_and_field()
    {
        var good = await LinkAsync();
        var lines = $"{{\"linkageId\":\"{good}\",\"method\":\"jlis-4-items\",\"occurredAt\":\"2025-09-01T10:00:00+09:00\",\"agreed\":true}}\n" +
                    "\n" +
                    $"{{\"linkageId\":\"{good}\",\"method\":\"jlis-4-items\",\"occurredAt\":\"2025-09-01T10:00:00+09:00\",\"agreed\":\"yes\"}}\n" +
                    "not json\n";
        var before = await api.EventCountAsync();

        var response = await SendAsync(lines, "application/x-ndjson");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).Errors!.Keys.Should().BeEquivalentTo("lines[3].agreed", "lines[4].line");
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_csv_header_without_the_needed_columns_is_400_and_other_media_types_are_415()
    {
        var before = await api.EventCountAsync();

        var noHeader = await SendAsync("linkageId,method,when,agreed\nx,jlis-4-items,2025-09-01T10:00:00+09:00,true\n");
        var empty = await SendAsync("");
        var json = await SendAsync("{}", "application/json");

        noHeader.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await noHeader.ReadProblemAsync()).Errors!.Keys.Should().BeEquivalentTo("lines[1].header");
        empty.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        json.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Only_institutions_send_re_check_files()
    {
        (await api.As(Roles.Auditor).PostAsync(Route, new StringContent("linkageId,method,occurredAt,agreed\n", Encoding.UTF8, "text/csv")))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_disagreeing_re_check_from_a_file_puts_a_sound_linkage_on_the_risk_view()
    {
        var linkageId = await LinkAsync();
        var risksBefore = JsonNode.Parse(await api.Institution(A).GetStringAsync("/api/v1/linkages/risks"))!["items"]!.AsArray();
        risksBefore.Select(i => (string?)i!["linkageId"]).Should().NotContain(linkageId, "a checked and approved 4-item linkage carries no risk");

        (await SendAsync($"linkageId,method,occurredAt,agreed,details\n{linkageId},jlis-4-items,2025-09-01T10:00:00+09:00,false,別人の可能性\n"))
            .StatusCode.Should().Be(HttpStatusCode.Created);

        var risks = JsonNode.Parse(await api.Institution(A).GetStringAsync("/api/v1/linkages/risks"))!["items"]!.AsArray();
        var risk = risks.Single(i => (string?)i!["linkageId"] == linkageId)!;
        risk["riskFactors"]!.AsArray().Select(f => (string?)f!["code"]).Should().Equal("disagreeing-recheck");
        ((string?)risk["riskFactors"]![0]!["description"]).Should().Contain("別人の可能性");
    }
}
