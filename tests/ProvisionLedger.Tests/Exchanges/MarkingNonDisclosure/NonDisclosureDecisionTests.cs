using FluentAssertions;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.MarkingNonDisclosure;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Exchanges.ExchangeGiven;

namespace ProvisionLedger.Tests.Exchanges.MarkingNonDisclosure;

/// <summary>不開示コード set and lifted without a database: each side marks its own copy; a lift needs a mark in force.</summary>
public sealed class NonDisclosureDecisionTests
{
    private static readonly DateTimeOffset Now = RequestedAt.AddDays(2);
    private static readonly SetNonDisclosure Set = new("dv", "clerk", null, null);
    private static readonly LiftNonDisclosure Lift = new("clerk", "court order ended", null, RequestedAt.AddDays(1));

    [Fact]
    public void An_institution_marks_its_own_side_dated_now_when_no_time_is_given()
    {
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set, Exchange(Inquiry()), Sapporo, "fp", Now)
            .ShouldRecord(201, new NonDisclosureSet(ExchangeId, Sides.Provider, "dv", "clerk", "fp", Now));
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set with { Side = Sides.Provider }, Exchange(Inquiry()), Chiyoda, "fp", Now)
            .Events.Should().ContainSingle().Which.Should().BeOfType<NonDisclosureSet>().Which.Side.Should().Be(Sides.Inquirer);
    }

    [Fact]
    public void The_network_system_marks_the_side_it_names_or_its_own()
    {
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set with { Side = Sides.Inquirer }, Exchange(Inquiry()), Nws, "fp", Now)
            .Events.Should().ContainSingle().Which.Should().BeOfType<NonDisclosureSet>().Which.Side.Should().Be(Sides.Inquirer);
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set, Exchange(Inquiry()), Nws, "fp", Now)
            .Events.Should().ContainSingle().Which.Should().BeOfType<NonDisclosureSet>().Which.Side.Should().Be(Sides.Nws);
    }

    [Fact]
    public void A_mark_already_in_force_on_that_side_records_nothing()
    {
        // The inquirer marked the record when it made the inquiry.
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set, Exchange(Inquiry(mark: new NonDisclosureMark("dv"))), Chiyoda, "fp", Now)
            .ShouldRecordNothing(200).Value().Should().Be(new NonDisclosureState(ExchangeId, Sides.Inquirer, true));
    }

    [Fact]
    public void A_non_party_gets_the_same_404_as_for_an_unknown_exchange()
    {
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set, Exchange(), Shinjuku, "fp", Now).ShouldRecordNothing(404);
        SetNonDisclosureEndpoint.Decide(ExchangeId, Set, Exchange(Inquiry()), Shinjuku, "fp", Now).ShouldRecordNothing(404);
        LiftNonDisclosureEndpoint.Decide(ExchangeId, Lift, Exchange(Inquiry()), Shinjuku, "fp", Now).ShouldRecordNothing(404);
    }

    [Fact]
    public void A_mark_in_force_is_lifted_once_and_the_same_lift_again_is_a_repeat()
    {
        var marked = new NonDisclosureSet(ExchangeId, Sides.Provider, "dv", "clerk", "set-fp", RequestedAt);

        var lifted = LiftNonDisclosureEndpoint.Decide(ExchangeId, Lift, Exchange(Inquiry(), marked), Sapporo, "fp", Now);

        lifted.ShouldRecord(201, new NonDisclosureLifted(ExchangeId, Sides.Provider, "clerk", "court order ended", "fp", RequestedAt.AddDays(1)));
        LiftNonDisclosureEndpoint.Decide(ExchangeId, Lift, Exchange([Inquiry(), marked, .. lifted.Events]), Sapporo, "fp", Now)
            .ShouldRecordNothing(200).Value().Should().Be(new NonDisclosureState(ExchangeId, Sides.Provider, false));
    }

    [Fact]
    public void Lifting_where_no_mark_is_in_force_is_a_conflict()
    {
        LiftNonDisclosureEndpoint.Decide(ExchangeId, Lift, Exchange(Inquiry()), Sapporo, "fp", Now).ShouldRecordNothing(409);
    }

    [Fact]
    public void Validation_names_an_unknown_reason_and_side()
    {
        SetNonDisclosureEndpoint.Validate(Set with { Reason = "whim", Side = "judge" }, LedgerOptionsForDecisions.Create(), TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("reason", "side");
        LiftNonDisclosureEndpoint.Validate(Lift with { By = null }, LedgerOptionsForDecisions.Create(), TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("by");
    }
}
