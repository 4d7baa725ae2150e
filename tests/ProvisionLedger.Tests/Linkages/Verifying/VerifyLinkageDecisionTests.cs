using FluentAssertions;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Linkages.Verifying;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages.Verifying;

/// <summary>A periodic re-check decided without a database; the bulk route decides every line with the same function.</summary>
public sealed class VerifyLinkageDecisionTests
{
    private const string LinkageId = "linkage-1";
    private static readonly DateTimeOffset LinkedAt = new(2025, 4, 1, 10, 0, 0, TimeSpan.FromHours(9));
    private static readonly Actor Chiyoda = new(Roles.Institution, Institutions.Chiyoda, "clerk");
    private static readonly Actor Sapporo = new(Roles.Institution, Institutions.Sapporo, "clerk");
    private static readonly VerifyLinkage Agreed = new(LinkageMethods.ResidentRegistry, LinkedAt.AddDays(30), true, null);

    private static Linkage Given(string status = LinkageStatus.Active, params LinkageCheck[] checks) => new()
    {
        Id = LinkageId, StreamKey = "linkage:131016:C-1", InstitutionCode = Institutions.Chiyoda, LocalRecordId = "C-1",
        SubjectRef = "subject-1", LinkedAt = LinkedAt, Status = status, Checks = [.. checks],
    };

    [Fact]
    public void An_agreed_re_check_and_a_discrepancy_are_recorded_as_their_own_events()
    {
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed, Given(), Chiyoda, "fp")
            .ShouldRecord(201, new LinkageVerified("linkage:131016:C-1", LinkageId, LinkageMethods.ResidentRegistry, null, "fp", LinkedAt.AddDays(30)));
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed with { Agreed = false, Details = "address differs" }, Given(), Chiyoda, "fp")
            .ShouldRecord(201, new LinkageDiscrepancyFound("linkage:131016:C-1", LinkageId, LinkageMethods.ResidentRegistry, "address differs", "fp",
                LinkedAt.AddDays(30)));
    }

    [Fact]
    public void The_same_re_check_again_is_a_repeat()
    {
        var check = new LinkageCheck("verified", LinkageMethods.ResidentRegistry, true, null, "fp", LinkedAt.AddDays(30));

        VerifyLinkageEndpoint.Decide(LinkageId, Agreed, Given(checks: check), Chiyoda, "fp").ShouldRecordNothing(200);
    }

    [Fact]
    public void Another_institutions_linkage_is_as_unknown_as_a_missing_one()
    {
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed, Given(), Sapporo, "fp").ShouldRecordNothing(404);
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed, null, Chiyoda, "fp").ShouldRecordNothing(404);
    }

    [Fact]
    public void A_linkage_that_ended_is_not_re_checked_and_a_re_check_cannot_precede_the_linkage()
    {
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed, Given(LinkageStatus.MisLinked), Chiyoda, "fp").ShouldRecordNothing(409);
        VerifyLinkageEndpoint.Decide(LinkageId, Agreed with { OccurredAt = LinkedAt.AddDays(-1) }, Given(), Chiyoda, "fp")
            .ShouldRecordNothing(400).Errors().Should().ContainKey("occurredAt");
    }

    [Fact]
    public void Validation_requires_details_of_a_discrepancy()
    {
        VerifyLinkageEndpoint.Validate(Agreed with { Agreed = false }, LedgerOptionsForDecisions.Create(), TimeProvider.System)
            .Errors().Keys.Should().BeEquivalentTo("details");
    }
}
