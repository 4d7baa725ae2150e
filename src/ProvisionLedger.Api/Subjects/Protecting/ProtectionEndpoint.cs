using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Subjects.Protecting;

public sealed record RegisterProtection(string? MyNumber, string? Reason, string? RegisteredBy, DateTimeOffset? OccurredAt);

public sealed record EndProtection(string? EndedBy, string? Note, DateTimeOffset? OccurredAt);

public sealed record ProtectionAccepted(string ProtectionId);

public static class ProtectionEndpoint
{
    private static readonly string[] Reasons = ["dv", "abuse", "other"];

    [WolverinePost("/api/v1/subjects/protections")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws}")]
    public static async Task<IResult> Register(
        HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, SubjectKeys subjects, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<RegisterProtection>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = new FieldErrors();
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        errors.OneOf("reason", command.Reason, Reasons);
        errors.Required("registeredBy", command.RegisteredBy);
        errors.NotInFuture("occurredAt", command.OccurredAt, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        var subjectRef = subjects.SubjectRef(command.MyNumber!);
        var fingerprint = Fingerprint.Of(new { command, actor.Principal }, options.SubjectHmacKey);
        var protectionId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)).AsSpan(0, 16));
        await using var session = sessions.OpenFor(actor);
        var current = await session.LoadAsync<SubjectProtection>(subjectRef);
        if (current is not null && current.FingerprintsById.ContainsKey(protectionId))
        {
            return Results.Ok(new ProtectionAccepted(protectionId));
        }

        session.Events.Append(SubjectKeysOfStreams.Protection(subjectRef),
            new DvProtectionRegistered(protectionId, subjectRef, command.Reason!, command.RegisteredBy!, fingerprint, command.OccurredAt!.Value));
        await session.SaveChangesAsync();
        return Results.Created($"/api/v1/subjects/protections/{protectionId}", new ProtectionAccepted(protectionId));
    }

    [WolverinePost("/api/v1/subjects/protections/{protectionId}/end")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws}")]
    public static async Task<IResult> End(
        string protectionId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        // The body is optional here: ending a protection needs nothing but its id.
        EndProtection? command = new(null, null, null);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            (command, var bad) = await JsonBody.ReadAsync<EndProtection>(request);
            if (command is null)
            {
                return bad!;
            }
        }

        var now = clock.GetUtcNow();
        var errors = new FieldErrors();
        errors.Optional("endedBy", command.EndedBy, 64);
        errors.Optional("note", command.Note);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, options.ClockSkew, required: false);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        await using var session = sessions.OpenFor(actor);
        var index = await session.LoadAsync<ProtectionIndex>(protectionId);
        if (index is null)
        {
            return Problems.NotFound("The protection");
        }

        var answer = new ProtectionAccepted(protectionId);
        if (index.Ended)
        {
            return Results.Ok(answer);
        }

        session.Events.Append(SubjectKeysOfStreams.Protection(index.SubjectRef),
            new DvProtectionEnded(protectionId, index.SubjectRef, command.EndedBy ?? actor.Principal, command.Note, command.OccurredAt ?? now));
        await session.SaveChangesAsync();
        return Results.Created($"/api/v1/subjects/protections/{protectionId}", answer);
    }
}
