using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>GET /api/v1/linkages/{id}/history?asOf=: what the ledger held about a local record's linkage at a moment.</summary>
public sealed class LinkageHistoryTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private async Task<JsonNode> HistoryAsync(string linkageId, DateTimeOffset? asOf = null)
    {
        var query = asOf is { } at ? $"?asOf={Uri.EscapeDataString(at.ToString("O"))}" : "";
        var response = await api.As(Roles.Auditor).GetAsync($"/api/v1/linkages/{linkageId}/history{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static List<string?> Kinds(JsonNode history) => history["events"]!.AsArray().Select(e => (string?)e!["kind"]).ToList();

    private Task<HttpResponseMessage> RecheckAsync(string linkageId, bool agreed) =>
        api.Institution(Institutions.Chiyoda).PostJsonAsync($"/api/v1/linkages/{linkageId}/verifications", new
        {
            method = "jlis-4-items", occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1), agreed, details = agreed ? null : "生年月日が不一致",
        });

    [Fact]
    public async Task Each_moment_between_recordings_shows_the_events_recorded_by_then_and_the_state_they_make()
    {
        var linkageId = (await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;
        var afterLinking = DateTimeOffset.UtcNow;
        (await RecheckAsync(linkageId, agreed: true)).StatusCode.Should().Be(HttpStatusCode.Created);
        var afterAgreement = DateTimeOffset.UtcNow;
        (await RecheckAsync(linkageId, agreed: false)).StatusCode.Should().Be(HttpStatusCode.Created);

        var atLinking = await HistoryAsync(linkageId, afterLinking);
        var atAgreement = await HistoryAsync(linkageId, afterAgreement);
        var now = await HistoryAsync(linkageId);
        var before = await HistoryAsync(linkageId, afterLinking.AddMinutes(-10));

        Kinds(atLinking).Should().Equal("subject-linked");
        atLinking["state"]!["checks"]!.GetValue<int>().Should().Be(0);
        Kinds(atAgreement).Should().Equal("subject-linked", "linkage-verified");
        atAgreement["state"]!["discrepancies"]!.GetValue<int>().Should().Be(0);
        Kinds(now).Should().Equal("subject-linked", "linkage-verified", "linkage-discrepancy-found");
        now["state"]!["checks"]!.GetValue<int>().Should().Be(2);
        now["state"]!["discrepancies"]!.GetValue<int>().Should().Be(1);
        Kinds(before).Should().BeEmpty();
        ((string?)before["state"]!["status"]).Should().Be("never-linked");
        foreach (var e in now["events"]!.AsArray())
        {
            ((string?)e!["recordedBy"]).Should().Be($"institution:{Institutions.Chiyoda}:test");
            e["recordedAt"].Should().NotBeNull();
            e["occurredAt"].Should().NotBeNull();
        }
    }

    [Fact]
    public async Task A_moment_that_is_not_a_time_is_a_400_naming_asOf()
    {
        var linkageId = (await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;

        var response = await api.As(Roles.Auditor).GetAsync($"/api/v1/linkages/{linkageId}/history?asOf=yesterday");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).Errors.Should().ContainKey("asOf");
    }
}
