using FluentAssertions;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Exchanges.ExchangeGiven;

namespace ProvisionLedger.Tests.Exchanges.Providing;

/// <summary>情報提供 decided without a database: Given(events) / When(ProvideInformation) / Then(events or a problem).</summary>
public sealed class ProvideDecisionTests
{
    private static ProvideInformation Command(DateTimeOffset? providedAt = null) =>
        new("S-1", providedAt ?? RequestedAt.AddHours(1), ExchangeResults.Provided, null, "sha256:" + new string('b', 64), null);

    private static Api.Linkages.LocalRecordLink ProviderLink(string subject = Subject, bool active = true) =>
        Link(Institutions.Sapporo, "S-1", subject, active);

    [Fact]
    public void The_provider_records_its_provision_against_its_own_linked_record()
    {
        var decision = ProvideEndpoint.Decide(ExchangeId, Command(), Exchange(Inquiry()), ProviderLink(), Sapporo, "fp");

        decision.ShouldRecord(201, new InformationProvided(ExchangeId, "S-1", "link-S-1", "code-S-1", ExchangeResults.Provided, null,
            "sha256:" + new string('b', 64), null, "fp", RequestedAt.AddHours(1)));
        decision.Answer.Location().Should().Be($"/api/v1/exchanges/{ExchangeId}/history");
    }

    [Fact]
    public void The_network_system_records_a_provision_for_the_provider()
    {
        ProvideEndpoint.Decide(ExchangeId, Command(), Exchange(Inquiry()), ProviderLink(), Nws, "fp").Events.Should().ContainSingle();
    }

    [Fact]
    public void An_unknown_exchange_and_one_the_caller_is_no_party_of_answer_the_same_404()
    {
        ProvideEndpoint.Decide(ExchangeId, Command(), Exchange(), null, Shinjuku, "fp").ShouldRecordNothing(404);
        ProvideEndpoint.Decide(ExchangeId, Command(), Exchange(Inquiry()), ProviderLink(), Shinjuku, "fp").ShouldRecordNothing(404);
    }

    [Fact]
    public void The_inquirer_may_not_record_the_provision()
    {
        ProvideEndpoint.Decide(ExchangeId, Command(), Exchange(Inquiry()), ProviderLink(), Chiyoda, "fp").ShouldRecordNothing(403);
    }

    [Fact]
    public void A_second_provision_is_a_repeat_when_it_is_the_same_and_a_conflict_when_not()
    {
        var provided = Exchange(Inquiry(), Provision("fp"));

        ProvideEndpoint.Decide(ExchangeId, Command(), provided, ProviderLink(), Sapporo, "fp").ShouldRecordNothing(200);
        ProvideEndpoint.Decide(ExchangeId, Command(), provided, ProviderLink(), Sapporo, "other").ShouldRecordNothing(409);
    }

    [Fact]
    public void A_provision_before_the_inquiry_is_a_bad_field()
    {
        ProvideEndpoint.Decide(ExchangeId, Command(providedAt: RequestedAt.AddMinutes(-1)), Exchange(Inquiry()), ProviderLink(), Sapporo, "fp")
            .ShouldRecordNothing(400).Errors().Should().ContainKey("providedAt");
    }

    [Fact]
    public void The_providers_record_must_be_linked_to_the_inquirys_person_in_force_and_before_the_provision()
    {
        var inquiry = Exchange(Inquiry());

        ProvideEndpoint.Decide(ExchangeId, Command(), inquiry, ProviderLink(subject: "someone-else"), Sapporo, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("providerLocalRecordId");
        ProvideEndpoint.Decide(ExchangeId, Command(), inquiry, ProviderLink(active: false), Sapporo, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("providerLocalRecordId");
        ProvideEndpoint.Decide(ExchangeId, Command(), inquiry, null, Sapporo, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("providerLocalRecordId");
        var lateLink = Link(Institutions.Sapporo, "S-1", linkedAt: RequestedAt.AddHours(2));
        ProvideEndpoint.Decide(ExchangeId, Command(), inquiry, lateLink, Sapporo, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("providedAt");
    }

    [Fact]
    public void Validation_requires_a_digest_of_what_was_provided_and_an_error_code_only_for_errors()
    {
        var options = LedgerOptionsForDecisions.Create();

        ProvideEndpoint.Validate(Command() with { PayloadDigest = null }, options, TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("payloadDigest");
        ProvideEndpoint.Validate(Command() with { ErrorCode = "E1" }, options, TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("errorCode");
        ProvideEndpoint.Validate(Command() with { Result = ExchangeResults.Error, PayloadDigest = null }, options, TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("errorCode");
    }

    [Fact]
    public void The_batch_routes_refuse_a_provision_by_the_same_link_rules()
    {
        ProvideEndpoint.CheckLink(Command(), ProviderLink(), Subject).Should().BeNull();
        ProvideEndpoint.CheckLink(Command(), ProviderLink(subject: "someone-else"), Subject)!.Field.Should().Be("providerLocalRecordId");
        ProvideEndpoint.CheckLink(Command(providedAt: LinkedAt.AddDays(-1)), ProviderLink(), Subject)!.Field.Should().Be("providedAt");
    }
}
