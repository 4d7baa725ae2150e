using System.Security.Claims;
using JasperFx;
using Marten;
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
    DateTimeOffset? OccurredAt);

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

    [WolverinePost("/api/v1/linkages")]
    [Authorize(Roles = Roles.Institution)]
    public static async Task<IResult> Post(
        HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, CodeRegistry codes, SubjectKeys subjects,
        LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<LinkSubject>(request);
        if (command is null)
        {
            return bad!;
        }

        var actor = Actor.From(user);
        var errors = Check(command, codes, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        if (!actor.IsInstitution(command.InstitutionCode!))
        {
            return Problems.Forbidden("An institution may register linkages of its own local records only.");
        }

        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        var key = LinkageKeys.Stream(command.InstitutionCode!, command.LocalRecordId!);
        for (var attempt = 0; ; attempt++)
        {
            await using var session = sessions.OpenFor(actor);
            var current = await session.LoadAsync<LocalRecordLink>(key);
            var answer = new LinkageCreated("", command.InstitutionCode!, command.LocalRecordId!);
            if (current is { Active: true })
            {
                return current.RequestFingerprint == fingerprint
                    ? Results.Ok(answer with { LinkageId = current.LinkageId! })
                    : Problems.Conflict("This local record is already linked.",
                        "End the current linkage (or confirm a mis-linkage) before linking the record again.");
            }

            var episode = (current?.Episodes ?? 0) + 1;
            var linked = new SubjectLinked(
                key, LinkageKeys.LinkageId(key, episode), command.InstitutionCode!, command.LocalRecordId!,
                subjects.SubjectRef(command.MyNumber!), subjects.InstitutionCode(command.InstitutionCode!, command.MyNumber!),
                command.Method!,
                new LinkageEvidence(command.Evidence!.QueryItems ?? [], command.Evidence.CandidateCount ?? 0, command.Evidence.Documents ?? []),
                command.OperatorId!, command.CheckerIds ?? [], command.ApproverId, command.Reason, null, fingerprint, command.OccurredAt!.Value);
            if (current is null)
            {
                session.Events.StartStream(key, linked);
            }
            else
            {
                var state = await session.Events.FetchStreamStateAsync(key);
                session.Events.Append(key, state!.Version + 1, linked);
            }

            try
            {
                await session.SaveChangesAsync();
                return Results.Created($"/api/v1/linkages/{linked.LinkageId}", answer with { LinkageId = linked.LinkageId });
            }
            catch (Exception e) when (attempt == 0 && Concurrency.IsConflict(e))
            {
                // Another request linked the record first: answer as if this one came second.
            }
        }
    }
}
