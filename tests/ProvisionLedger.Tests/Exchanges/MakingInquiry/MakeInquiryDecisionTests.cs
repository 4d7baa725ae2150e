using FluentAssertions;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Exchanges.ExchangeGiven;

namespace ProvisionLedger.Tests.Exchanges.MakingInquiry;

/// <summary>情報照会 decided without a database: Given(events) / When(MakeInquiry) / Then(events or a problem).</summary>
public sealed class MakeInquiryDecisionTests
{
    private static MakeInquiry Command(DateTimeOffset? requestedAt = null, string inquirer = Institutions.Chiyoda, string record = "C-1") => new(
        ExchangeId, inquirer, Institutions.Sapporo, "74", "2", record, null, requestedAt ?? RequestedAt, null);

    [Fact]
    public void A_new_inquiry_is_recorded_against_whoever_the_inquirers_record_is_linked_to()
    {
        var link = Link(Institutions.Chiyoda, "C-1", subject: "person-7");

        var decision = MakeInquiryEndpoint.Decide(Command(), Exchange(), link, Chiyoda, "fp");

        decision.ShouldRecord(201, new InquiryMade(ExchangeId, Institutions.Chiyoda, Institutions.Sapporo, "74", "2", "C-1",
            "link-C-1", "person-7", "code-C-1", null, null, "fp", RequestedAt));
        decision.Answer.Location().Should().Be($"/api/v1/exchanges/{ExchangeId}/history");
        decision.Answer.Value().Should().Be(new ExchangeAccepted(ExchangeId));
    }

    [Fact]
    public void The_same_inquiry_again_is_answered_200_and_records_nothing()
    {
        MakeInquiryEndpoint.Decide(Command(), Exchange(Inquiry("fp")), Link(Institutions.Chiyoda, "C-1"), Chiyoda, "fp")
            .ShouldRecordNothing(200).Value().Should().Be(new ExchangeAccepted(ExchangeId));
    }

    [Fact]
    public void Another_inquiry_under_a_taken_exchange_id_is_a_conflict_for_a_party()
    {
        MakeInquiryEndpoint.Decide(Command(), Exchange(Inquiry("fp")), Link(Institutions.Chiyoda, "C-1"), Nws, "other-fp")
            .ShouldRecordNothing(409).Title().Should().Contain("other content");
    }

    [Fact]
    public void An_inquiry_about_an_unlinked_or_ended_record_is_refused_naming_the_record()
    {
        MakeInquiryEndpoint.Decide(Command(), Exchange(), null, Chiyoda, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("inquirerLocalRecordId");
        MakeInquiryEndpoint.Decide(Command(), Exchange(), Link(Institutions.Chiyoda, "C-1", active: false), Chiyoda, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("inquirerLocalRecordId");
    }

    [Fact]
    public void An_inquiry_dated_before_the_linkage_it_relies_on_is_refused()
    {
        MakeInquiryEndpoint.Decide(Command(requestedAt: LinkedAt.AddSeconds(-1)), Exchange(), Link(Institutions.Chiyoda, "C-1"), Chiyoda, "fp")
            .ShouldRecordNothing(422).Errors().Should().ContainKey("requestedAt");
    }

    [Fact]
    public void A_non_party_learns_nothing_of_an_existing_exchange_id_but_that_it_cannot_be_recorded()
    {
        // Shinjuku makes its own inquiry under an id Chiyoda and Sapporo already use.
        var existing = Exchange(Inquiry("fp"));
        var own = Command(inquirer: Institutions.Shinjuku, record: "K-1");

        MakeInquiryEndpoint.Decide(own, existing, Link(Institutions.Shinjuku, "K-1"), Shinjuku, "fp")
            .ShouldRecordNothing(409).Title().Should().Be(MakeInquiryEndpoint.UnavailableId);
        // Every earlier rule answers as for an unknown id: an unlinked record is the same 422 with or without the exchange.
        var unknown = MakeInquiryEndpoint.Decide(own, Exchange(), null, Shinjuku, "fp").ShouldRecordNothing(422);
        MakeInquiryEndpoint.Decide(own, existing, null, Shinjuku, "fp").ShouldRecordNothing(422).Errors()
            .Should().BeEquivalentTo(unknown.Errors());
    }

    [Fact]
    public void The_batch_routes_refuse_a_record_by_the_same_link_rules()
    {
        MakeInquiryEndpoint.CheckLink(Command(), Link(Institutions.Chiyoda, "C-1")).Should().BeNull();
        MakeInquiryEndpoint.CheckLink(Command(), null)!.Field.Should().Be("inquirerLocalRecordId");
        MakeInquiryEndpoint.CheckLink(Command(requestedAt: LinkedAt.AddDays(-1)), Link(Institutions.Chiyoda, "C-1"))!.Field.Should().Be("requestedAt");
    }

    [Fact]
    public void Validation_names_bad_fields_and_an_institution_inquires_only_as_itself()
    {
        var codes = CodeRegistry.Load(null);
        var options = LedgerOptionsForDecisions.Create();
        var clock = TimeProvider.System;

        MakeInquiryEndpoint.Validate(Command() with { ProcedureCode = "no-such", RequestedAt = null }, Chiyoda, codes, options, clock)
            .Errors().Keys.Should().BeEquivalentTo("procedureCode", "requestedAt");
        MakeInquiryEndpoint.Validate(Command(), Sapporo, codes, options, clock).Status().Should().Be(403);
        MakeInquiryEndpoint.Validate(Command(), Chiyoda, codes, options, clock).Should().BeOfType<Wolverine.Http.WolverineContinue>();
        MakeInquiryEndpoint.Validate(Command(), Nws, codes, options, clock).Should().BeOfType<Wolverine.Http.WolverineContinue>();
    }
}
