using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Incidents.Confirming;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// POST /api/v1/linkages/{linkageId}/mislinkage: who may confirm, and every bad request answered with a clear 4xx and
/// nothing written.
/// </summary>
public sealed class ConfirmingMisLinkageTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private const string A = Institutions.Chiyoda;
    private const string B = Institutions.Sapporo;
    private static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");
    private static readonly DateTimeOffset DiscoveredAt = Jst("2025-07-01T10:00:00+09:00");

    private async Task<(string LinkageId, string LocalRecordId, string W)> WrongLinkageAsync()
    {
        var w = MyNumbers.Next();
        var local = LinkageScenarios.NewLocalRecordId();
        var answer = await api.LinkAsync(A, local, w, At(LinkedAt, ThreeItemQueryWithTwoCandidatesAndNoChecker));
        return (answer.LinkageId, local, w);
    }

    private async Task<Problem> RejectedAsync(HttpResponseMessage response, HttpStatusCode status, long eventsBefore)
    {
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        (await api.EventCountAsync()).Should().Be(eventsBefore, "a rejected confirmation writes nothing");
        return await response.ReadProblemAsync();
    }

    [Fact]
    public async Task An_unknown_linkage_is_404()
    {
        var before = await api.EventCountAsync();

        var response = await api.As(Roles.IncidentResponder).ConfirmMisLinkageAsync("0000000000000000000000000000dead", Confirmation(DiscoveredAt, null));

        await RejectedAsync(response, HttpStatusCode.NotFound, before);
    }

    [Fact]
    public async Task Another_institutions_linkage_is_404_as_if_it_did_not_exist()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(B).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null));

        await RejectedAsync(response, HttpStatusCode.NotFound, before);
    }

    [Fact]
    public async Task Roles_other_than_the_institution_and_incident_responders_may_not_confirm()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        (await api.As(Roles.Nws).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await api.As(Roles.Auditor).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await api.Anonymous().ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_linkage_already_ended_is_409()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        (await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null))).StatusCode.Should().Be(HttpStatusCode.Created);
        var before = await api.EventCountAsync();

        var response = await api.As(Roles.IncidentResponder).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt.AddDays(1), null));

        await RejectedAsync(response, HttpStatusCode.Conflict, before);
    }

    [Theory]
    [InlineData("12345678901")]
    [InlineData("1234567890123")]
    [InlineData("12345678901X")]
    public async Task A_correct_my_number_that_is_not_a_my_number_is_400_naming_it_without_repeating_it(string notANumber)
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, notANumber));

        var problem = await RejectedAsync(response, HttpStatusCode.BadRequest, before);
        problem.Errors.Should().ContainKey("correctMyNumber").And.HaveCount(1);
        string.Join(" ", problem.Errors!["correctMyNumber"]).Should().NotContain(notANumber);
    }

    [Fact]
    public async Task A_correct_my_number_with_a_wrong_check_digit_is_400()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, MyNumbers.WithWrongCheckDigits(MyNumbers.Next()).First()));

        (await RejectedAsync(response, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKey("correctMyNumber");
    }

    [Fact]
    public async Task The_wrongly_linked_person_given_as_the_correct_one_is_400()
    {
        var (linkageId, _, w) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, w));

        var problem = await RejectedAsync(response, HttpStatusCode.BadRequest, before);
        problem.Errors.Should().ContainKey("correctMyNumber");
        (await response.Content.ReadAsStringAsync()).Should().NotContain(w);
    }

    [Fact]
    public async Task A_discovery_in_the_future_is_400()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DateTimeOffset.UtcNow.AddDays(2), MyNumbers.Next()));

        (await RejectedAsync(response, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKey("discoveredAt");
    }

    [Fact]
    public async Task A_discovery_before_the_linkage_was_made_is_400()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var response = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(LinkedAt.AddMinutes(-1), MyNumbers.Next()));

        (await RejectedAsync(response, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKey("discoveredAt");
    }

    [Fact]
    public async Task Missing_fields_and_malformed_bodies_are_400_naming_each_field()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var before = await api.EventCountAsync();

        var missing = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, new JsonObject { ["correctMyNumber"] = "12" });
        var wrongType = await api.Institution(A).PostRawJsonAsync($"/api/v1/linkages/{linkageId}/mislinkage", "{\"discoveredAt\": 5}");
        var notJson = await api.Institution(A).PostRawJsonAsync($"/api/v1/linkages/{linkageId}/mislinkage", "{");

        (await RejectedAsync(missing, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKeys("discoveredAt", "discoveredBy", "cause", "correctMyNumber");
        (await RejectedAsync(wrongType, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKey("discoveredAt");
        (await RejectedAsync(notJson, HttpStatusCode.BadRequest, before)).Errors.Should().ContainKey("body");
    }

    [Fact]
    public async Task Without_the_correct_person_the_record_is_left_unlinked_and_nothing_is_attributed()
    {
        var (linkageId, local, w) = await WrongLinkageAsync();
        var cLocal = LinkageScenarios.NewLocalRecordId();
        await api.LinkAsync(B, cLocal, w, At(LinkedAt));
        var exchangeId = $"NWS-NOTRUE-{Guid.NewGuid():n}";
        await api.InquireAsync(exchangeId, B, A, "57", "1", cLocal, Jst("2025-05-10T14:00:00+09:00"));
        await api.ProvideAsync(exchangeId, A, local, Jst("2025-05-10T14:00:03+09:00"));

        var response = await api.As(Roles.IncidentResponder).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, null));
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var incidentId = (await response.ReadJsonAsync<IncidentAnswer>()).IncidentId;

        var trace = await (await api.As(Roles.IncidentResponder).GetAsync($"/api/v1/incidents/{incidentId}/trace")).ReadJsonAsync<TraceAnswer>();
        trace.Relinked.Should().BeFalse();
        trace.CorrectedLinkageId.Should().BeNull();
        trace.AffectedPersonCount.Should().Be(1, "only the true owner's information moved, and the true owner is one person even unnamed");
        trace.AffectedPersons.TrueOwnerIdentified.Should().BeFalse();
        trace.AffectedPersons.Notification.Should().ContainSingle().Which.Should().BeEquivalentTo(new NotificationAnswer("true-owner", A, "東京都千代田区", [local]));
        trace.PpcReport.Items[0].Content.Should().Contain("正しい本人の個人番号は特定されていない");

        var history = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{linkageId}/history"))!;
        ((string?)history["state"]!["status"]).Should().Be("mislinked");
        var inquiry = await api.Institution(A).PostJsonAsync("/api/v1/exchanges", new
        {
            exchangeId = $"NWS-AFTER-{Guid.NewGuid():n}", inquirerCode = A, providerCode = B, procedureCode = "74", infoItemCode = "2",
            inquirerLocalRecordId = local, requestedAt = DiscoveredAt.AddDays(1),
        });
        inquiry.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity, "the record is linked to nobody until the true owner is found");
        (await api.ViewPortalAsync(w)).Items.Should().ContainSingle().Which.Corrections.Should().ContainSingle();
    }

    [Fact]
    public async Task The_relinked_record_can_itself_be_found_wrong_later_as_a_second_incident()
    {
        var (linkageId, local, _) = await WrongLinkageAsync();
        var first = await api.Institution(A).ConfirmMisLinkageAsync(linkageId, Confirmation(DiscoveredAt, MyNumbers.Next()));
        var firstIncident = (await first.ReadJsonAsync<IncidentAnswer>()).IncidentId;
        var history = JsonNode.Parse(await api.Institution(A).GetStringAsync($"/api/v1/linkages/{linkageId}/history"))!;
        var relinkedId = (string)history["state"]!["linkageId"]!;

        var second = await api.Institution(A).ConfirmMisLinkageAsync(relinkedId, Confirmation(DiscoveredAt.AddDays(10), MyNumbers.Next()));

        second.StatusCode.Should().Be(HttpStatusCode.Created);
        var secondIncident = (await second.ReadJsonAsync<IncidentAnswer>()).IncidentId;
        secondIncident.Should().NotBe(firstIncident);
        var trace = await (await api.As(Roles.Auditor).GetAsync($"/api/v1/incidents/{secondIncident}/trace")).ReadJsonAsync<TraceAnswer>();
        trace.LocalRecordId.Should().Be(local);
        trace.ExposureWindow.From.Should().Be(DiscoveredAt, "the re-link took effect from the first discovery");
        trace.Cause.Findings.Should().BeEmpty("a correction re-link is reviewed in its incident, and no search was made");
    }

    [Fact]
    public async Task Confirmations_racing_each_other_open_one_incident_and_all_get_its_id()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var body = Confirmation(DiscoveredAt, MyNumbers.Next());
        var before = await api.EventCountAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.Institution(A).ConfirmMisLinkageAsync(linkageId, body)));

        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created)
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        var ids = await Task.WhenAll(responses.Select(async r => (await r.ReadJsonAsync<IncidentAnswer>()).IncidentId));
        ids.Distinct().Should().ContainSingle();
        (await api.EventCountAsync()).Should().Be(before + 3, "the end, the re-link and the incident, once");
    }

    [Fact]
    public async Task A_confirmation_commits_all_or_nothing()
    {
        var (linkageId, _, _) = await WrongLinkageAsync();
        var command = new ConfirmMisLinkage(DiscoveredAt, "staff-3", "cause", MyNumbers.Next(), null);
        await using var connection = api.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var session = api.Store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: true));
        var (_, plan) = await ConfirmMisLinkageEndpoint.DecideAsync(session, new Actor(Roles.IncidentResponder, null, "test"), linkageId, command,
            "fingerprint", api.Services.GetRequiredService<SubjectKeys>(), api.Services.GetRequiredService<CodeRegistry>(), DateTimeOffset.UtcNow);
        var records = Enumerable.Range(0, 501)
            .Select(i => ($"NWS-ATOMIC-{i}", 0L, new object[] { new Exploding(i == 500) })).ToList();
        var before = await api.EventCountAsync();

        var write = () => ConfirmMisLinkageEndpoint.WriteAsync(plan! with { Exchanges = records }, session, transaction);

        await write.Should().ThrowAsync<Exception>("the last record's event cannot be written");
        (await api.EventCountAsync()).Should().Be(before, "the linkage's end and the other records were in the same transaction");
        var history = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/{linkageId}/history"))!;
        ((string?)history["state"]!["status"]).Should().Be("active");
    }

    /// <summary>An event that cannot be serialized when <c>Explodes</c>: a write failure in a chosen chunk.</summary>
    public sealed class Exploding(bool explodes)
    {
        public string Value => explodes ? throw new InvalidOperationException("boom") : "ok";
    }
}
