using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// An incident trace's affected records a page at a time (issue 12, finding 5): every count and summary over all of
/// them on every page, the records themselves by nextCursor.
/// </summary>
public sealed class TracePagingTests(MisLinkageScenario scenario) : IClassFixture<MisLinkageScenario>
{
    private async Task<JsonNode> TraceAsync(string query)
    {
        var response = await scenario.As(Roles.IncidentResponder).GetAsync(new Uri($"/api/v1/incidents/{scenario.IncidentId}/trace{query}", UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, "the trace is read");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task Pages_of_one_record_follow_next_cursor_to_every_affected_record_once()
    {
        var whole = await TraceAsync("");
        var pages = new List<JsonNode> { await TraceAsync("?pageSize=1") };
        while ((string?)pages[^1]["nextCursor"] is { } cursor)
        {
            pages.Add(await TraceAsync($"?pageSize=1&cursor={Uri.EscapeDataString(cursor)}"));
        }

        ((string?)whole["nextCursor"]).Should().BeNull();
        var all = whole["affectedRecords"]!.AsArray().Select(r => (string?)r!["exchangeId"]).ToList();
        all.Should().HaveCount(3);
        pages.Should().HaveCount(3);
        pages.SelectMany(p => p["affectedRecords"]!.AsArray().Select(r => (string?)r!["exchangeId"])).Should().Equal(all);
        foreach (var page in pages)
        {
            page["affectedRecordCount"]!.GetValue<int>().Should().Be(3, "counts are over every record, not the page");
            page["ppcReport"]!.ToJsonString().Should().Be(whole["ppcReport"]!.ToJsonString());
            page["receivingInstitutions"]!.ToJsonString().Should().Be(whole["receivingInstitutions"]!.ToJsonString());
        }
    }

    [Fact]
    public async Task A_cursor_that_is_not_this_traces_is_a_400_naming_cursor()
    {
        var response = await scenario.As(Roles.IncidentResponder)
            .GetAsync(new Uri($"/api/v1/incidents/{scenario.IncidentId}/trace?cursor=not-a-cursor", UriKind.Relative));

        (await response.ReadProblemAsync()).ShouldName("cursor");
    }
}
