using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.Verifying;

public sealed record VerifyLinkage(string? Method, DateTimeOffset? OccurredAt, bool? Agreed, string? Details) : ILedgerCommand;

public sealed record VerificationRecorded(string LinkageId, bool Agreed);

/// <summary>A periodic re-check (定期的・体系的な点検) of one linkage: agreed, or a discrepancy found.</summary>
public static class VerifyLinkageEndpoint
{
    public static readonly string[] Methods =
        [LinkageMethods.JlisFourItems, LinkageMethods.JlisThreeItems, LinkageMethods.ResidentRegistry, LinkageMethods.ApplicantProvided, "document-check", "other"];

    public static FieldErrors Check(VerifyLinkage command, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        errors.OneOf("method", command.Method, Methods);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, skew);
        if (command.Agreed is null)
        {
            errors.Add("agreed", "is required (true or false).");
        }
        else if (command.Agreed == false && string.IsNullOrWhiteSpace(command.Details))
        {
            errors.Add("details", "must describe the discrepancy.");
        }

        errors.Optional("details", command.Details, 2000);
        return errors;
    }

    /// <summary>A re-check of a linkage in force, by its own institution (or the network system); the same re-check again is a repeat.</summary>
    public static Decision Decide(string linkageId, VerifyLinkage command, Linkage? linkage, Actor actor, string fingerprint)
    {
        if (linkage is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(linkage.InstitutionCode)))
        {
            return Decision.Reply(Problems.NotFound("The linkage"));
        }

        var answer = new VerificationRecorded(linkageId, command.Agreed!.Value);
        if (linkage.Checks.Any(c => c.RequestFingerprint == fingerprint))
        {
            return Decision.Reply(Results.Ok(answer));
        }

        if (linkage.Status != LinkageStatus.Active)
        {
            return Decision.Reply(Problems.Conflict("This linkage has ended; re-checks apply to linkages in force."));
        }

        if (command.OccurredAt < linkage.LinkedAt)
        {
            return Decision.Reply(Problems.Validation("occurredAt", "must not be before the linkage was made."));
        }

        object e = command.Agreed == true
            ? new LinkageVerified(linkage.StreamKey, linkageId, command.Method!, command.Details, fingerprint, command.OccurredAt!.Value)
            : new LinkageDiscrepancyFound(linkage.StreamKey, linkageId, command.Method!, command.Details, fingerprint, command.OccurredAt!.Value);
        return Decision.Record(Results.Created($"/api/v1/linkages/{linkageId}/history", answer), e);
    }

    /// <summary>One re-check of a file, decided as the single route decides it, appended in the file's session.</summary>
    public static async Task<IResult> RecordAsync(IDocumentSession session, Actor actor, string linkageId, VerifyLinkage command, LedgerOptions options)
    {
        var linkage = await session.LoadAsync<Linkage>(linkageId);
        var decision = Decide(linkageId, command, linkage, actor, Fingerprint.Of(command, options.SubjectHmacKey));
        if (decision.Events.Count > 0)
        {
            session.Events.Append(linkage!.StreamKey, decision.Events);
        }

        return decision.Answer;
    }

    public static IResult Validate(VerifyLinkage command, LedgerOptions options, TimeProvider clock) =>
        Check(command, clock.GetUtcNow(), options.ClockSkew) is { Any: true } errors ? errors.ToProblem() : WolverineContinue.Result();

    [WolverinePost("/api/v1/linkages/{linkageId}/verifications")]
    [Authorize(Roles = Roles.Institution)]
    public static Task<IResult> Post(string linkageId, VerifyLinkage command, Actor actor, LedgerWrites writes, LedgerOptions options)
    {
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        return writes.DecideOnDocumentAsync<Linkage>(
            actor, linkageId, linkage => linkage.StreamKey, linkage => Decide(linkageId, command, linkage, actor, fingerprint),
            "The linkage changed while this re-check was recorded; send it again.");
    }
}
