using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Subjects;

/// <summary>POST /api/v1/subjects/protections and …/{id}/end: registering and ending DV protection.</summary>
public sealed class ProtectionTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private HttpClient Chiyoda => api.Institution(Institutions.Chiyoda);

    [Theory]
    [InlineData(Roles.Institution)]
    [InlineData(Roles.Nws)]
    public async Task An_institution_or_the_network_system_registers_a_protection_and_gets_201_with_its_id(string role)
    {
        var before = await api.EventCountAsync();

        var response = await api.As(role, role == Roles.Institution ? Institutions.Chiyoda : null)
            .PostProtectionAsync(ProtectionScenarios.ProtectionRequest(MyNumbers.Next()));

        await response.ShouldBeAsync(HttpStatusCode.Created, "a valid protection is registered");
        (await response.ReadJsonAsync<ProtectionAnswer>()).ProtectionId.Should().NotBeNullOrWhiteSpace();
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    [Fact]
    public async Task The_same_registration_again_gets_200_with_the_same_id_and_is_recorded_once()
    {
        var request = ProtectionScenarios.ProtectionRequest(MyNumbers.Next());
        var first = await Chiyoda.PostProtectionAsync(request);
        var afterFirst = await api.EventCountAsync();

        var again = await Chiyoda.PostProtectionAsync(request);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        await again.ShouldBeAsync(HttpStatusCode.OK, "a retried registration is answered as the first was");
        (await again.ReadJsonAsync<ProtectionAnswer>()).Should().BeEquivalentTo(await first.ReadJsonAsync<ProtectionAnswer>());
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    public static TheoryData<string, string?> BadFields() => new()
    {
        { "myNumber", "12345" },
        { "myNumber", null },
        { "reason", "whim" },
        { "registeredBy", null },
        { "occurredAt", null },
        { "occurredAt", "future" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task A_bad_registration_gets_400_naming_the_field_and_writes_nothing(string field, string? value)
    {
        var request = ProtectionScenarios.ProtectionRequest(MyNumbers.Next());
        request[field] = value == "future" ? DateTimeOffset.UtcNow.AddDays(1).ToString("O") : value;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Chiyoda.PostProtectionAsync(request));

        problem.ShouldName(field);
    }

    [Fact]
    public async Task A_my_number_with_a_wrong_check_digit_is_refused_without_repeating_it()
    {
        var wrong = MyNumbers.WithWrongCheckDigits(MyNumbers.Next()).First();

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Chiyoda.PostProtectionAsync(ProtectionScenarios.ProtectionRequest(wrong)));

        problem.ShouldName("myNumber");
        problem.Errors!["myNumber"].Any(m => m.Contains(wrong[..11], StringComparison.Ordinal)).Should().BeFalse();
    }

    [Theory]
    [InlineData(Roles.Mynaportal)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    public async Task A_role_that_does_not_register_protections_gets_403(string role)
    {
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.As(role).PostProtectionAsync(ProtectionScenarios.ProtectionRequest(MyNumbers.Next())));
    }

    [Fact]
    public async Task Ending_a_protection_gets_201_then_200_and_is_recorded_once()
    {
        var protectionId = await api.ProtectAsync(MyNumbers.Next());
        var end = new JsonObject { ["endedBy"] = "dv-desk-1" };

        var first = await Chiyoda.PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), end);
        var afterFirst = await api.EventCountAsync();
        var again = await Chiyoda.PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), end);

        await first.ShouldBeAsync(HttpStatusCode.Created, "the end is recorded");
        await again.ShouldBeAsync(HttpStatusCode.OK, "a protection ends once");
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    [Fact]
    public async Task Ending_a_protection_that_does_not_exist_gets_404_and_writes_nothing()
    {
        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => Chiyoda.PostJsonAsync(ProtectionScenarios.EndRoute("no-such-protection"), new JsonObject { ["endedBy"] = "dv-desk-1" }));
    }

    [Fact]
    public async Task Another_institution_cannot_end_a_protection_and_is_told_it_does_not_exist()
    {
        var protectionId = await api.ProtectAsync(MyNumbers.Next());
        var before = await api.EventCountAsync();

        var problem = await api.RefusesAsync(HttpStatusCode.NotFound,
            () => api.Institution(Institutions.Sapporo).PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), new JsonObject { ["endedBy"] = "desk" }));

        (problem.Detail ?? "").Should().NotContain(protectionId);
        (await api.EventCountAsync()).Should().Be(before);
        await api.EndProtectionAsync(protectionId);
    }

    [Fact]
    public async Task The_network_system_may_end_a_protection_an_institution_registered()
    {
        var protectionId = await api.ProtectAsync(MyNumbers.Next());

        var response = await api.As(Roles.Nws).PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), new JsonObject { ["endedBy"] = "nws-operator" });

        await response.ShouldBeAsync(HttpStatusCode.Created, "the network system's operator may end any protection");
    }

    [Fact]
    public async Task Ending_without_a_token_gets_401()
    {
        var protectionId = await api.ProtectAsync(MyNumbers.Next());

        await api.RefusesAsync(HttpStatusCode.Unauthorized,
            () => api.Anonymous().PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), new JsonObject { ["endedBy"] = "dv-desk-1" }));
    }

    [Fact]
    public async Task Eight_identical_registrations_at_once_are_recorded_once_and_one_end_ends_the_protection()
    {
        var myNumber = MyNumbers.Next();
        var request = ProtectionScenarios.ProtectionRequest(myNumber);
        var before = await api.EventCountAsync();
        var clients = Enumerable.Range(0, 8).Select(_ => Chiyoda).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostProtectionAsync(request)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        bodies.Should().AllBe(bodies[0]);
        (await api.EventCountAsync()).Should().Be(before + 1, "one registration was made, however often it was sent");

        await api.EndProtectionAsync((await responses[0].ReadJsonAsync<ProtectionAnswer>()).ProtectionId);
        var person = await Exchanges.ExchangeScenarios.LinkPersonAsync(api, myNumber: myNumber);
        await Exchanges.ExchangeScenarios.RecordExchangeAsync(api, person, Exchanges.ExchangeScenarios.RequestedAt);
        (await Mynaportal.PortalScenarios.SearchPortalAsync(api, myNumber)).Items.Should().ContainSingle("the protection has ended");
    }

    [Fact]
    public async Task Eight_identical_ends_at_once_are_recorded_once()
    {
        var protectionId = await api.ProtectAsync(MyNumbers.Next());
        var before = await api.EventCountAsync();
        var clients = Enumerable.Range(0, 8).Select(_ => Chiyoda).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostJsonAsync(ProtectionScenarios.EndRoute(protectionId), new JsonObject { ["endedBy"] = "dv-desk-1" })));

        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created)
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        (await api.EventCountAsync()).Should().Be(before + 1);
    }
}
