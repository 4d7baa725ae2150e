using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>
/// A linkage's history a page at a time (issue 12, finding 5): events in recording order with a sealed nextCursor, the
/// state as of the moment on every page, and a first page shaped as the whole history was.
/// </summary>
public sealed class LinkageHistoryPagingTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(string linkageId, string query)
    {
        var response = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{linkageId}/history{query}", UriKind.Relative));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync()));
    }

    private async Task<string> LinkageWithRechecksAsync(int rechecks)
    {
        var linkageId = (await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;
        for (var i = 0; i < rechecks; i++)
        {
            var response = await api.Institution(Institutions.Chiyoda).PostJsonAsync($"/api/v1/linkages/{linkageId}/verifications", new
            {
                method = "jlis-4-items", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1), agreed = i % 3 != 2, details = $"点検 {i}",
            });
            await response.ShouldBeAsync(HttpStatusCode.Created, "a re-check is recorded");
        }

        return linkageId;
    }

    [Fact]
    public async Task Pages_follow_next_cursor_to_every_event_once_with_the_same_state_on_each()
    {
        var linkageId = await LinkageWithRechecksAsync(7);
        var (_, whole) = await GetAsync(linkageId, "");

        var pages = new List<JsonNode>();
        var (status, page) = await GetAsync(linkageId, "?pageSize=3");
        status.Should().Be(HttpStatusCode.OK);
        pages.Add(page!);
        while ((string?)page!["nextCursor"] is { } cursor)
        {
            (status, page) = await GetAsync(linkageId, $"?pageSize=3&cursor={Uri.EscapeDataString(cursor)}");
            status.Should().Be(HttpStatusCode.OK);
            pages.Add(page!);
        }

        ((string?)whole!["nextCursor"]).Should().BeNull("eight events fit the default page");
        whole["events"]!.AsArray().Should().HaveCount(8);
        pages.Select(p => p["events"]!.AsArray().Count).Should().Equal(3, 3, 2);
        pages.SelectMany(p => p["events"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()))
            .Should().Equal(whole["events"]!.AsArray().Select(e => e!["sequence"]!.GetValue<long>()));
        foreach (var p in pages)
        {
            p["state"]!.ToJsonString().Should().Be(whole["state"]!.ToJsonString());
            p["asOf"]!.ToJsonString().Should().Be(pages[0]["asOf"]!.ToJsonString(), "a history read as of now pages through one moment");
        }

        whole["state"]!["checks"]!.GetValue<int>().Should().Be(7);
        whole["state"]!["discrepancies"]!.GetValue<int>().Should().Be(2);
        ((string?)whole["state"]!["status"]).Should().Be("active");
    }

    [Fact]
    public async Task A_moment_in_Japan_time_pages_as_it_was_asked_for()
    {
        var linkageId = await LinkageWithRechecksAsync(2);
        var moment = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToOffset(TimeSpan.FromHours(9)).ToString("O"));

        var (status, first) = await GetAsync(linkageId, $"?asOf={moment}&pageSize=2");
        var (_, second) = await GetAsync(linkageId, $"?asOf={moment}&pageSize=2&cursor={Uri.EscapeDataString((string)first!["nextCursor"]!)}");

        status.Should().Be(HttpStatusCode.OK);
        first["events"]!.AsArray().Should().HaveCount(2);
        second!["events"]!.AsArray().Should().HaveCount(1);
        ((string?)second["nextCursor"]).Should().BeNull();
        ((string?)second["asOf"]).Should().Be((string?)first["asOf"]).And.EndWith("+09:00");
        second["state"]!["checks"]!.GetValue<int>().Should().Be(2);
    }

    [Fact]
    public async Task A_cursor_of_another_linkage_or_an_altered_one_is_a_400_naming_cursor()
    {
        var first = await LinkageWithRechecksAsync(2);
        var second = await LinkageWithRechecksAsync(2);
        var cursor = (string)(await GetAsync(first, "?pageSize=1")).Body!["nextCursor"]!;

        var elsewhere = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{second}/history?pageSize=1&cursor={cursor}", UriKind.Relative));
        var altered = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{first}/history?pageSize=1&cursor=A{cursor}", UriKind.Relative));
        var tooLarge = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{first}/history?pageSize=100000", UriKind.Relative));

        (await elsewhere.ReadProblemAsync()).ShouldName("cursor");
        (await altered.ReadProblemAsync()).ShouldName("cursor");
        (await tooLarge.ReadProblemAsync()).ShouldName("pageSize");
    }
}
