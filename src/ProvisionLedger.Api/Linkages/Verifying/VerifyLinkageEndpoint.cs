using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Linkages.Verifying;

public sealed record VerifyLinkage(string? Method, DateTimeOffset? OccurredAt, bool? Agreed, string? Details);

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

    /// <summary>Records one re-check; the same re-check again is answered as the first. Used by the bulk path too.</summary>
    public static async Task<IResult> RecordAsync(IDocumentSession session, Actor actor, string linkageId, VerifyLinkage command, LedgerOptions options)
    {
        var linkage = await session.LoadAsync<Linkage>(linkageId);
        if (linkage is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(linkage.InstitutionCode)))
        {
            return Problems.NotFound("The linkage");
        }

        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        var answer = new VerificationRecorded(linkageId, command.Agreed!.Value);
        if (linkage.Checks.Any(c => c.RequestFingerprint == fingerprint))
        {
            return Results.Ok(answer);
        }

        if (linkage.Status != LinkageStatus.Active)
        {
            return Problems.Conflict("This linkage has ended; re-checks apply to linkages in force.");
        }

        if (command.OccurredAt < linkage.LinkedAt)
        {
            return Problems.Validation("occurredAt", "must not be before the linkage was made.");
        }

        object e = command.Agreed == true
            ? new LinkageVerified(linkage.StreamKey, linkageId, command.Method!, command.Details, fingerprint, command.OccurredAt!.Value)
            : new LinkageDiscrepancyFound(linkage.StreamKey, linkageId, command.Method!, command.Details, fingerprint, command.OccurredAt!.Value);
        session.Events.Append(linkage.StreamKey, e);
        return Results.Created($"/api/v1/linkages/{linkageId}/history", answer);
    }

    [WolverinePost("/api/v1/linkages/{linkageId}/verifications")]
    [Authorize(Roles = Roles.Institution)]
    public static async Task<IResult> Post(
        string linkageId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<VerifyLinkage>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = Check(command, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        await using var session = sessions.OpenFor(actor);
        var result = await RecordAsync(session, actor, linkageId, command, options);
        if (result is Microsoft.AspNetCore.Http.HttpResults.Created<VerificationRecorded>)
        {
            await session.SaveChangesAsync();
        }

        return result;
    }
}
