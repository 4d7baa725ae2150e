using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Incidents;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>
/// GET /api/v1/linkages/{id}/history?asOf=&amp;validAt=: "as recorded by asOf (recording time), valid at validAt (business
/// time)". An auditor asks which person a local record was linked to on a day, whatever was recorded later.
/// </summary>
public sealed class BusinessTimeHistoryTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private async Task<JsonNode> HistoryAsync(string linkageId, string query)
    {
        var response = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{linkageId}/history?{query}", UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, $"reading the history with {query}");
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static string Q(string name, DateTimeOffset at) => $"{name}={Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture))}";

    private static List<string?> Kinds(JsonNode history) => history["events"]!.AsArray().Select(e => (string?)e!["kind"]).ToList();

    private static (string? Status, string? Subject) State(JsonNode history) =>
        ((string?)history["state"]!["status"], (string?)history["state"]!["subjectCode"]);

    [Fact]
    public async Task A_back_dated_mislinkage_is_answered_by_when_it_was_recorded_and_when_it_was_true()
    {
        // Linked on 2025-04-01 (business time) to the wrong person; recorded now.
        var linkageId = (await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;
        var beforeDiscovery = DateTimeOffset.UtcNow;
        // Recorded later, but dated 2025-06-10 10:00 JST: found wrong then, and re-linked to the true owner from then.
        var confirmed = await api.Institution(Institutions.Chiyoda).ConfirmMisLinkageAsync(
            linkageId, IncidentScenarios.Confirmation(At("2025-06-10T10:00:00+09:00"), MyNumbers.Next()));
        await confirmed.ShouldBeAsync(HttpStatusCode.Created, "the mis-linkage is confirmed");

        var knownThen = await HistoryAsync(linkageId, $"{Q("asOf", beforeDiscovery)}&validAt=2025-07-01");
        var onJune2 = await HistoryAsync(linkageId, "validAt=2025-06-02");
        var onJuly1 = await HistoryAsync(linkageId, "validAt=2025-07-01");
        var onJune10 = await HistoryAsync(linkageId, "validAt=2025-06-10");
        var justBefore = await HistoryAsync(linkageId, "validAt=2025-06-10T09:59:59");
        var beforeLinking = await HistoryAsync(linkageId, "validAt=2025-03-31");
        var recordedOnly = await HistoryAsync(linkageId, Q("asOf", beforeDiscovery));

        var wrong = State(knownThen).Subject;
        var right = State(onJuly1).Subject;
        wrong.Should().NotBeNull().And.NotBe(right);
        Kinds(knownThen).Should().Equal(["subject-linked"], "the ledger had not recorded the discovery by asOf, whatever validAt says");
        State(knownThen).Should().Be(("active", wrong));
        ((DateTimeOffset)knownThen["validAt"]!).Should().Be(At("2025-07-01T23:59:59.9999999+09:00"), "a bare date is the end of that JST day");
        Kinds(onJune2).Should().Equal(["subject-linked"], "on 2025-06-02 the record was linked to the wrong person; the rest happened later");
        State(onJune2).Should().Be(("active", wrong));
        Kinds(onJuly1).Should().Equal("subject-linked", "mislinkage-confirmed", "subject-linked");
        State(onJuly1).Should().Be(("active", right));
        State(onJune10).Should().Be(("active", right), "2025-06-10 is the whole JST day, 10:00 included");
        State(justBefore).Should().Be(("active", wrong), "a time without an offset is Japan time");
        Kinds(beforeLinking).Should().BeEmpty();
        State(beforeLinking).Status.Should().Be("never-linked");
        recordedOnly["validAt"].Should().BeNull();
        State(recordedOnly).Should().Be(("active", wrong));
    }

    [Fact]
    public async Task A_validAt_or_asOf_that_is_not_a_time_is_a_400_naming_each()
    {
        var linkageId = (await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;

        var one = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{linkageId}/history?validAt=last-june", UriKind.Relative));
        var both = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/linkages/{linkageId}/history?validAt=2025-13-01&asOf=soon", UriKind.Relative));

        one.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await one.ReadProblemAsync()).Errors!.Keys.Should().BeEquivalentTo("validAt");
        both.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await both.ReadProblemAsync()).Errors!.Keys.Should().BeEquivalentTo("validAt", "asOf");
    }
}
