using FluentAssertions;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Correcting;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Exchanges.ExchangeGiven;

namespace ProvisionLedger.Tests.Exchanges.Correcting;

/// <summary>追記 decided without a database: the original stays, a correction is a new event, the same one is appended once.</summary>
public sealed class AppendCorrectionDecisionTests
{
    private static readonly AppendCorrection Command = new(CorrectionKinds.WrongProcedure, "procedure was 75", "clerk-9", RequestedAt.AddDays(1));

    [Fact]
    public void A_party_appends_a_correction_with_an_id_derived_from_the_request()
    {
        var decision = AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange(Inquiry()), Sapporo, "fp");

        var id = AppendCorrectionEndpoint.CorrectionId(ExchangeId, "fp");
        decision.ShouldRecord(201, new CorrectionAppended(ExchangeId, id, CorrectionKinds.WrongProcedure, "procedure was 75", "clerk-9", null, "fp",
            RequestedAt.AddDays(1)));
        decision.Answer.Value().Should().Be(new CorrectionAccepted(ExchangeId, id));
    }

    [Fact]
    public void The_same_correction_again_is_answered_with_the_same_id_and_nothing_appended()
    {
        var first = AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange(Inquiry()), Chiyoda, "fp");

        var again = AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange([Inquiry(), .. first.Events]), Chiyoda, "fp");

        again.ShouldRecordNothing(200).Value().Should().Be(first.Answer.Value());
    }

    [Fact]
    public void A_different_correction_after_one_is_appended_too()
    {
        var first = AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange(Inquiry()), Chiyoda, "fp");

        AppendCorrectionEndpoint.Decide(ExchangeId, Command with { Note = "and the item" }, Exchange([Inquiry(), .. first.Events]), Chiyoda, "fp-2")
            .Events.Should().ContainSingle().Which.Should().BeOfType<CorrectionAppended>().Which.Note.Should().Be("and the item");
    }

    [Fact]
    public void A_non_party_gets_the_same_404_as_for_an_unknown_exchange()
    {
        AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange(), Shinjuku, "fp").ShouldRecordNothing(404);
        AppendCorrectionEndpoint.Decide(ExchangeId, Command, Exchange(Inquiry()), Shinjuku, "fp").ShouldRecordNothing(404);
    }

    [Fact]
    public void A_correction_dated_before_the_inquiry_is_a_bad_field()
    {
        AppendCorrectionEndpoint.Decide(ExchangeId, Command with { OccurredAt = RequestedAt.AddDays(-1) }, Exchange(Inquiry()), Nws, "fp")
            .ShouldRecordNothing(400).Errors().Should().ContainKey("occurredAt");
    }

    [Fact]
    public void Validation_names_an_unknown_kind_and_a_missing_note()
    {
        AppendCorrectionEndpoint.Validate(Command with { Kind = "typo", Note = " " }, LedgerOptionsForDecisions.Create(), TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("kind", "note");
    }
}
