using FluentAssertions;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Api.Subjects.Protecting;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Subjects.Protecting;

/// <summary>DV protection decided without a database: registered once per request, ended only by who may end it.</summary>
public sealed class ProtectionDecisionTests
{
    private const string Subject = "subject-9";
    private static readonly DateTimeOffset At = new(2025, 3, 1, 9, 0, 0, TimeSpan.FromHours(9));
    private static readonly Actor Chiyoda = new(Roles.Institution, Institutions.Chiyoda, "clerk");
    private static readonly Actor Sapporo = new(Roles.Institution, Institutions.Sapporo, "clerk");
    private static readonly Actor Nws = new(Roles.Nws, null, "feed");
    private static readonly RegisterProtection Register = new(null, "dv", "clerk", At);
    private static readonly string ProtectionId = RegisterProtectionEndpoint.ProtectionId("fp");

    private static ProtectionStreamState? Given(params object[] events)
    {
        if (events.Length == 0)
        {
            return null;
        }

        var state = new ProtectionStreamState();
        foreach (var e in events)
        {
            ((dynamic)state).Apply((dynamic)e);
        }

        return state;
    }

    private static DvProtectionRegistered Registered(string? by = Institutions.Chiyoda) => new(ProtectionId, Subject, "dv", "clerk", "fp", At, by);

    private static ProtectionIndex Index(string? by = Institutions.Chiyoda) => new() { Id = ProtectionId, SubjectRef = Subject, RegisteringInstitution = by };

    [Fact]
    public void A_registration_is_recorded_with_the_registering_institution_and_the_same_one_again_is_a_repeat()
    {
        RegisterProtectionEndpoint.Decide(Register, Given(), Chiyoda, Subject, "fp").ShouldRecord(201, Registered());
        RegisterProtectionEndpoint.Decide(Register, Given(), Nws, Subject, "fp").Events.Should().ContainSingle()
            .Which.Should().BeOfType<DvProtectionRegistered>().Which.RegisteringInstitution.Should().BeNull();
        RegisterProtectionEndpoint.Decide(Register, Given(Registered()), Chiyoda, Subject, "fp")
            .ShouldRecordNothing(200).Value().Should().Be(new ProtectionAccepted(ProtectionId));
    }

    [Fact]
    public void The_registering_institution_or_the_network_system_ends_a_protection_once()
    {
        var now = At.AddDays(10);
        var end = new EndProtection(null, null, null);

        EndProtectionEndpoint.Decide(ProtectionId, end, Index(), Given(Registered()), Chiyoda, now)
            .ShouldRecord(201, new DvProtectionEnded(ProtectionId, Subject, Chiyoda.Principal, null, now));
        EndProtectionEndpoint.Decide(ProtectionId, end, Index(), Given(Registered()), Nws, now).Events.Should().ContainSingle();
        var ended = new DvProtectionEnded(ProtectionId, Subject, Chiyoda.Principal, null, now);
        EndProtectionEndpoint.Decide(ProtectionId, end, Index(), Given(Registered(), ended), Chiyoda, now).ShouldRecordNothing(200);
    }

    [Fact]
    public void To_any_other_institution_the_protection_does_not_exist()
    {
        var end = new EndProtection("someone", null, null);

        EndProtectionEndpoint.Decide(ProtectionId, end, Index(), Given(Registered()), Sapporo, At).ShouldRecordNothing(404);
        EndProtectionEndpoint.Decide(ProtectionId, end, null, null, Sapporo, At).ShouldRecordNothing(404);
    }

    [Fact]
    public void Validation_names_a_bad_my_number_without_echoing_it()
    {
        var answer = RegisterProtectionEndpoint.Validate(Register with { MyNumber = WrongCheckDigit }, LedgerOptionsForDecisions.Create(), TimeProvider.System);

        answer.Errors().Keys.Should().BeEquivalentTo("myNumber");
        answer.Errors()["myNumber"].Should().NotContain(m => m.Contains(WrongCheckDigit));
    }

    /// <summary>A valid number with its check digit changed.</summary>
    private static readonly string WrongCheckDigit = WithCheckDigitChanged(MyNumbers.Next());

    private static string WithCheckDigitChanged(string number) => number[..11] + (char)('0' + ((number[11] - '0' + 1) % 10));
}
