using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Incidents;
using ProvisionLedger.Api.Incidents.Confirming;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.ReferenceData;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// The confirmation's decision without a database: given the linkage, its records and the command, which events are
/// written (or which answer is given with nothing written).
/// </summary>
public sealed class ConfirmingDecisionTests
{
    private const string A = "131016";
    private const string B = "011002";
    private const string C = "131041";
    private const string LinkageId = "wrong-linkage";
    private const string StreamKey = "link:131016:A-1";
    private static readonly CodeRegistry Codes = CodeRegistry.Load(null);
    private static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");
    private static readonly DateTimeOffset DiscoveredAt = Jst("2025-07-01T10:00:00+09:00");
    private static readonly DateTimeOffset Now = Jst("2025-07-02T15:00:00+09:00");
    private static readonly Actor Responder = new(Roles.IncidentResponder, null, "r");
    private static readonly TrueOwner Owner = new("t", "t-at-131016");
    private static readonly ConfirmMisLinkage Command = new(DiscoveredAt, "staff-3", "3情報照会で複数該当", "(the true owner's number)", null);

    private static Linkage Linkage(string status = LinkageStatus.Active, string? incidentId = null) => new()
    {
        Id = LinkageId, StreamKey = StreamKey, InstitutionCode = A, LocalRecordId = "A-1", SubjectRef = "w", Method = LinkageMethods.JlisThreeItems,
        LinkedAt = LinkedAt, Status = status, IncidentId = incidentId,
    };

    private static LocalRecordLink Link() => new() { Id = StreamKey, InstitutionCode = A, LocalRecordId = "A-1", Episodes = 1, LinkageId = LinkageId, Active = true };

    private static LinkedExchange AskedByA(string id, string result, string at) => new()
    {
        Id = id, InquirerLinkageId = LinkageId, ProviderLinkageId = "b-linkage", InquirerCode = A, ProviderCode = B, ProcedureCode = "74",
        InfoItemCode = "2", InquirerLocalRecordId = "A-1", ProviderLocalRecordId = "B-1", RequestedAt = Jst(at), Result = result,
    };

    private static LinkedExchange ProvidedByA(string id, string result, string at) => new()
    {
        Id = id, InquirerLinkageId = "c-linkage", ProviderLinkageId = LinkageId, InquirerCode = C, ProviderCode = A, ProcedureCode = "57",
        InfoItemCode = "1", InquirerLocalRecordId = "C-1", ProviderLocalRecordId = "A-1", RequestedAt = Jst(at), Result = result,
    };

    private static ConfirmationState InForce(params LinkedExchange[] made) => new(Linkage(), null, 7, Link(), made);

    [Fact]
    public void Given_records_made_under_the_linkage_it_ends_relinks_opens_an_incident_corrects_every_record_and_attributes_the_provided_ones()
    {
        var state = InForce(
            ProvidedByA("X3", ExchangeResults.Provided, "2025-05-03T09:00:00+09:00"),
            AskedByA("X1", ExchangeResults.Provided, "2025-05-01T09:00:00+09:00"),
            ProvidedByA("X2", ExchangeResults.NoData, "2025-05-02T09:00:00+09:00"));

        var (answer, plan) = ConfirmMisLinkageEndpoint.Decide(Command, state, Responder, "fp", Owner, Codes, Now);

        answer.Should().BeOfType<Created<ProvisionLedger.Api.Incidents.Confirming.IncidentAnswer>>();
        var incidentId = IncidentKeys.IdFor(LinkageId);
        plan!.LinkageStreamKey.Should().Be(StreamKey);
        plan.LinkageVersion.Should().Be(7, "the linkage is appended at the version it was decided on");
        var ended = plan.LinkageEvents[0].Should().BeOfType<MisLinkageConfirmed>().Subject;
        ended.Should().BeEquivalentTo(new MisLinkageConfirmed(StreamKey, LinkageId, incidentId, A, "A-1", "w", "t", "staff-3", Command.Cause!, "fp", DiscoveredAt));
        var relinked = plan.LinkageEvents[1].Should().BeOfType<SubjectLinked>().Subject;
        relinked.LinkageId.Should().Be(LinkageKeys.LinkageId(StreamKey, 2));
        relinked.SubjectRef.Should().Be("t");
        relinked.InstitutionSubjectCode.Should().Be("t-at-131016");
        relinked.Method.Should().Be(LinkageMethods.MisLinkageCorrection);
        relinked.OccurredAt.Should().Be(DiscoveredAt);

        plan.Opened.Should().BeEquivalentTo(new
        {
            IncidentId = incidentId, WrongSubjectRef = "w", CorrectSubjectRef = "t", CorrectedLinkageId = relinked.LinkageId,
            InquirerRecords = 1, ProviderRecords = 2, RecordsAttributed = 1, DiscoveredAt, CorrectedAt = Now,
        });

        plan.Exchanges.Select(x => x.ExchangeId).Should().Equal(["X1", "X2", "X3"], "records in the order they were made");
        plan.Exchanges.Should().OnlyContain(x => x.Events[0] is CorrectionAppended);
        plan.Exchanges.Select(x => (CorrectionAppended)x.Events[0]).Should().OnlyContain(c =>
            c.Kind == CorrectionKinds.MisLinkage && c.IncidentId == incidentId && c.By == "staff-3" && c.OccurredAt == Now);
        ((CorrectionAppended)plan.Exchanges[0].Events[0]).Note.Should().Be(ConfirmMisLinkageEndpoint.CorrectionNote(Sides.Inquirer, Codes.InstitutionName(A)));
        ((CorrectionAppended)plan.Exchanges[2].Events[0]).Note.Should().Be(ConfirmMisLinkageEndpoint.CorrectionNote(Sides.Provider, Codes.InstitutionName(A)));
        plan.Exchanges[0].Events.Should().ContainSingle("asked as inquirer: W's own information was provided, not T's");
        plan.Exchanges[1].Events.Should().ContainSingle("no-data provided nobody's information");
        plan.Exchanges[2].Events[1].Should().BeEquivalentTo(new { ExchangeId = "X3", SubjectRef = "t", IncidentId = incidentId });
    }

    [Fact]
    public void Given_no_true_owner_it_ends_the_linkage_without_relinking_or_attributing()
    {
        var (_, plan) = ConfirmMisLinkageEndpoint.Decide(Command with { CorrectMyNumber = null }, InForce(ProvidedByA("X3", ExchangeResults.Provided, "2025-05-03T09:00:00+09:00")),
            Responder, "fp", null, Codes, Now);

        plan!.LinkageEvents.Should().ContainSingle().Which.Should().BeOfType<MisLinkageConfirmed>().Which.CorrectSubjectRef.Should().BeNull();
        plan.Opened.CorrectedLinkageId.Should().BeNull();
        plan.Opened.RecordsAttributed.Should().Be(0);
        plan.Exchanges.Should().ContainSingle().Which.Events.Should().ContainSingle().Which.Should().BeOfType<CorrectionAppended>();
    }

    [Fact]
    public void Another_institutions_linkage_is_not_found_and_nothing_is_written()
    {
        var (answer, plan) = ConfirmMisLinkageEndpoint.Decide(Command, InForce(), new Actor(Roles.Institution, B, "b"), "fp", Owner, Codes, Now);

        plan.Should().BeNull();
        StatusOf(answer).Should().Be(StatusCodes.Status404NotFound);
        StatusOf(ConfirmMisLinkageEndpoint.Decide(Command, new ConfirmationState(null, null, 0, null, []), Responder, "fp", Owner, Codes, Now).Answer)
            .Should().Be(StatusCodes.Status404NotFound);
    }

    [Fact]
    public void The_same_confirmation_again_is_200_and_another_is_409_with_nothing_written()
    {
        var incidentId = IncidentKeys.IdFor(LinkageId);
        var confirmed = new ConfirmationState(Linkage(LinkageStatus.MisLinked, incidentId), new Incident { Id = incidentId, RequestFingerprint = "fp" }, 0, null, []);

        var again = ConfirmMisLinkageEndpoint.Decide(Command, confirmed, Responder, "fp", Owner, Codes, Now);
        var other = ConfirmMisLinkageEndpoint.Decide(Command, confirmed, Responder, "other", Owner, Codes, Now);

        again.Plan.Should().BeNull();
        again.Answer.Should().BeOfType<Ok<ProvisionLedger.Api.Incidents.Confirming.IncidentAnswer>>().Which.Value!.IncidentId.Should().Be(incidentId);
        other.Plan.Should().BeNull();
        StatusOf(other.Answer).Should().Be(StatusCodes.Status409Conflict);
    }

    [Fact]
    public void An_ended_linkage_is_409_and_a_discovery_before_the_linkage_or_the_wrong_persons_own_number_is_400()
    {
        var ended = new ConfirmationState(Linkage(LinkageStatus.Unlinked), null, 0, null, []);
        StatusOf(ConfirmMisLinkageEndpoint.Decide(Command, ended, Responder, "fp", Owner, Codes, Now).Answer).Should().Be(StatusCodes.Status409Conflict);

        var early = ConfirmMisLinkageEndpoint.Decide(Command with { DiscoveredAt = LinkedAt.AddDays(-1) }, InForce(), Responder, "fp", Owner, Codes, Now);
        early.Plan.Should().BeNull();
        StatusOf(early.Answer).Should().Be(StatusCodes.Status400BadRequest);

        var self = ConfirmMisLinkageEndpoint.Decide(Command, InForce(), Responder, "fp", Owner with { SubjectRef = "w" }, Codes, Now);
        self.Plan.Should().BeNull();
        StatusOf(self.Answer).Should().Be(StatusCodes.Status400BadRequest);
    }

    private static int? StatusOf(IResult result) => (result as IStatusCodeHttpResult)?.StatusCode;
}
