using FluentAssertions;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Linkages.Linking;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages.Linking;

/// <summary>紐付け decided without a database: Given(the record's linkage events) / When(LinkSubject) / Then(events or a problem).</summary>
public sealed class LinkDecisionTests
{
    private const string Record = "C-77";
    private static readonly string Key = LinkageKeys.Stream(Institutions.Chiyoda, Record);
    private static readonly DateTimeOffset At = new(2025, 4, 1, 10, 0, 0, TimeSpan.FromHours(9));
    private static readonly Api.Infrastructure.Actor Chiyoda = new(Api.Infrastructure.Roles.Institution, Institutions.Chiyoda, "clerk");

    private static readonly LinkSubject Command = new(
        Institutions.Chiyoda, Record, null, LinkageMethods.JlisFourItems, new LinkageEvidenceInput(["kanjiName", "dateOfBirth"], 1, null),
        "op-1", ["chk-1"], null, null, At);

    private static LinkedRecordState? Given(params object[] events)
    {
        if (events.Length == 0)
        {
            return null;
        }

        var state = new LinkedRecordState { Id = Key };
        foreach (var e in events)
        {
            ((dynamic)state).Apply((dynamic)e);
        }

        return state;
    }

    private static SubjectLinked Linked(int episode, string fingerprint) => new(
        Key, LinkageKeys.LinkageId(Key, episode), Institutions.Chiyoda, Record, "subject-1", "inst-code-1", LinkageMethods.JlisFourItems,
        new LinkageEvidence(["kanjiName", "dateOfBirth"], 1, []), "op-1", ["chk-1"], null, null, null, fingerprint, At);

    [Fact]
    public void A_record_never_linked_gets_its_first_linkage_with_the_evidence_and_the_person_as_keyed_references()
    {
        var decision = LinkEndpoint.Decide(Command, Given(), "subject-1", "inst-code-1", "fp");

        decision.ShouldRecord(201, Linked(1, "fp"));
        decision.Answer.Location().Should().Be($"/api/v1/linkages/{LinkageKeys.LinkageId(Key, 1)}");
        decision.Answer.Value().Should().Be(new LinkageCreated(LinkageKeys.LinkageId(Key, 1), Institutions.Chiyoda, Record));
    }

    [Fact]
    public void The_same_linkage_again_is_answered_with_the_linkage_it_made()
    {
        LinkEndpoint.Decide(Command, Given(Linked(1, "fp")), "subject-1", "inst-code-1", "fp")
            .ShouldRecordNothing(200).Value().Should().Be(new LinkageCreated(LinkageKeys.LinkageId(Key, 1), Institutions.Chiyoda, Record));
    }

    [Fact]
    public void Another_linkage_of_a_record_linked_now_is_a_conflict()
    {
        LinkEndpoint.Decide(Command, Given(Linked(1, "fp")), "subject-2", "inst-code-2", "other-fp")
            .ShouldRecordNothing(409).Title().Should().Be("This local record is already linked.");
    }

    [Fact]
    public void After_a_mis_linkage_the_record_is_linked_again_as_its_next_episode()
    {
        var confirmed = new MisLinkageConfirmed(Key, LinkageKeys.LinkageId(Key, 1), "inc-1", Institutions.Chiyoda, Record, "subject-1", null,
            "auditor", "wrong person", "x", At.AddDays(3));

        var decision = LinkEndpoint.Decide(Command, Given(Linked(1, "fp"), confirmed), "subject-2", "inst-code-2", "fp-2");

        decision.Events.Should().ContainSingle().Which.Should().BeOfType<SubjectLinked>()
            .Which.LinkageId.Should().Be(LinkageKeys.LinkageId(Key, 2));
        decision.Answer.Status().Should().Be(201);
    }

    [Fact]
    public void An_institution_links_only_its_own_records_and_validation_names_bad_fields()
    {
        var codes = CodeRegistry.Load(null);
        var options = LedgerOptionsForDecisions.Create();
        var withNumber = Command with { MyNumber = MyNumbers.Next() };

        LinkEndpoint.Validate(withNumber, Chiyoda, codes, options, TimeProvider.System).Should().BeOfType<Wolverine.Http.WolverineContinue>();
        LinkEndpoint.Validate(withNumber with { InstitutionCode = Institutions.Sapporo }, Chiyoda, codes, options, TimeProvider.System)
            .Status().Should().Be(403);
        LinkEndpoint.Validate(withNumber with { MyNumber = WrongCheckDigit, Method = "guess" }, Chiyoda, codes, options, TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("myNumber", "method");
    }

    /// <summary>A valid number with its check digit changed.</summary>
    private static readonly string WrongCheckDigit = WithCheckDigitChanged(MyNumbers.Next());

    private static string WithCheckDigitChanged(string number) => number[..11] + (char)('0' + ((number[11] - '0' + 1) % 10));
}
