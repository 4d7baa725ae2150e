using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.Linking;

public sealed record LinkSubject(
    string? InstitutionCode,
    string? LocalRecordId,
    string? MyNumber,
    string? Method,
    LinkageEvidenceInput? Evidence,
    string? OperatorId,
    string[]? CheckerIds,
    string? ApproverId,
    string? Reason,
    DateTimeOffset? OccurredAt) : ILedgerCommand;

public sealed record LinkageEvidenceInput(string[]? QueryItems, int? CandidateCount, string[]? Documents);

public sealed record LinkageCreated(string LinkageId, string InstitutionCode, string LocalRecordId);

public static class LinkEndpoint
{
    /// <summary>Shape rules; returns the field errors of a command.</summary>
    public static FieldErrors Check(LinkSubject command, CodeRegistry codes, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        if (codes.InstitutionProblem(command.InstitutionCode) is { } instProblem)
        {
            errors.Add("institutionCode", instProblem);
        }

        errors.Required("localRecordId", command.LocalRecordId);
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        errors.OneOf("method", command.Method, LinkageMethods.Registrable);
        if (command.Evidence is null)
        {
            errors.Add("evidence", "is required: queryItems, candidateCount and documents.");
        }
        else
        {
            var unknown = (command.Evidence.QueryItems ?? []).Where(i => !LinkageMethods.QueryItems.Contains(i)).ToArray();
            if (unknown.Length > 0)
            {
                errors.Add("evidence.queryItems", $"must be among {string.Join(", ", LinkageMethods.QueryItems)}.");
            }

            if (command.Evidence.CandidateCount is null or < 0)
            {
                errors.Add("evidence.candidateCount", "is required and must be 0 or more.");
            }

            if (command.Method == LinkageMethods.ApplicantProvided && (command.Evidence.Documents ?? []).Length == 0)
            {
                errors.Add("evidence.documents", "must name the 番号確認 and 身元確認 documents seen for an applicant-provided number.");
            }

            if (command.Method is LinkageMethods.JlisFourItems or LinkageMethods.JlisThreeItems && (command.Evidence.QueryItems ?? []).Length == 0)
            {
                errors.Add("evidence.queryItems", "must list the identity items used in the J-LIS query.");
            }
        }

        errors.Required("operatorId", command.OperatorId);
        if ((command.CheckerIds ?? []).Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("checkerIds", "must not contain empty ids.");
        }

        errors.Optional("approverId", command.ApproverId, 64);
        errors.Optional("reason", command.Reason);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, skew);
        return errors;
    }

    /// <summary>
    /// A linkage of a local record not linked now: the record's first, or its next after a linkage ended. The same request
    /// again is a repeat of the linkage it made; another request for a linked record is a conflict.
    /// </summary>
    public static Decision Decide(LinkSubject command, LinkedRecordState? current, string subjectRef, string institutionSubjectCode, string fingerprint)
    {
        var answer = new LinkageCreated("", command.InstitutionCode!, command.LocalRecordId!);
        if (current is { Active: true })
        {
            return Decision.Reply(current.RequestFingerprint == fingerprint
                ? Results.Ok(answer with { LinkageId = current.LinkageId! })
                : Problems.Conflict("This local record is already linked.",
                    "End the current linkage (or confirm a mis-linkage) before linking the record again."));
        }

        var key = LinkageKeys.Stream(command.InstitutionCode!, command.LocalRecordId!);
        var linked = new SubjectLinked(
            key, LinkageKeys.LinkageId(key, (current?.Episodes ?? 0) + 1), command.InstitutionCode!, command.LocalRecordId!,
            subjectRef, institutionSubjectCode, command.Method!,
            new LinkageEvidence(command.Evidence!.QueryItems ?? [], command.Evidence.CandidateCount ?? 0, command.Evidence.Documents ?? []),
            command.OperatorId!, command.CheckerIds ?? [], command.ApproverId, command.Reason, null, fingerprint, command.OccurredAt!.Value);
        return Decision.Record(Results.Created($"/api/v1/linkages/{linked.LinkageId}", answer with { LinkageId = linked.LinkageId }), linked);
    }

    public static IResult Validate(LinkSubject command, Actor actor, CodeRegistry codes, LedgerOptions options, TimeProvider clock)
    {
        var errors = Check(command, codes, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return actor.IsInstitution(command.InstitutionCode!)
            ? WolverineContinue.Result()
            : Problems.Forbidden("An institution may register linkages of its own local records only.");
    }

    [WolverinePost("/api/v1/linkages")]
    [Authorize(Roles = Roles.Institution)]
    public static Task<IResult> Post(LinkSubject command, Actor actor, LedgerWrites writes, SubjectKeys subjects, LedgerOptions options)
    {
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        var (subjectRef, institutionSubjectCode) = (subjects.SubjectRef(command.MyNumber!), subjects.InstitutionCode(command.InstitutionCode!, command.MyNumber!));
        return writes.DecideAsync<LinkedRecordState>(
            actor, LinkageKeys.Stream(command.InstitutionCode!, command.LocalRecordId!),
            current => Decide(command, current, subjectRef, institutionSubjectCode, fingerprint),
            "The local record was linked by another request meanwhile; send it again.");
    }
}

/// <summary>The slim write model of one local record's linkage stream: what linking it again needs.</summary>
public sealed class LinkedRecordState
{
    /// <summary>The stream key; Marten's live aggregation (<c>FetchForWriting</c>) needs an identity.</summary>
    public string Id { get; set; } = "";

    public int Episodes { get; set; }

    public string? LinkageId { get; set; }

    public string? RequestFingerprint { get; set; }

    public bool Active { get; set; }

    public void Apply(SubjectLinked e)
    {
        Episodes++;
        LinkageId = e.LinkageId;
        RequestFingerprint = e.RequestFingerprint;
        Active = true;
    }

    public void Apply(MisLinkageConfirmed e) => Active &= e.LinkageId != LinkageId;

    public void Apply(SubjectUnlinked e) => Active &= e.LinkageId != LinkageId;
}
