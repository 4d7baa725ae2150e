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
        var stream = SubjectKeysOfStreams.Protection(subjectRef);
        return await Concurrency.DecideAgainOnConflictAsync(async () =>
        {
            await using var session = sessions.OpenFor(actor);
            // The version first, then the document: a registration committed in between is either seen or collides.
            var version = (await session.Events.FetchStreamStateAsync(stream))?.Version;
            var current = await session.LoadAsync<SubjectProtection>(subjectRef);
            if (current is not null && current.FingerprintsById.ContainsKey(protectionId))
            {
                return Results.Ok(new ProtectionAccepted(protectionId));
            }

            var registered = new DvProtectionRegistered(
                protectionId, subjectRef, command.Reason!, command.RegisteredBy!, fingerprint, command.OccurredAt!.Value,
                actor.Is(Roles.Institution) ? actor.InstitutionCode : null);
            if (version is { } v)
            {
                session.Events.Append(stream, v + 1, registered);
            }
            else
            {
                session.Events.StartStream(stream, registered);
            }

            await session.SaveChangesAsync();
            return Results.Created($"/api/v1/subjects/protections/{protectionId}", new ProtectionAccepted(protectionId));
        }, "The person's protection changed while this registration was recorded; send it again.");
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
        return await Concurrency.DecideAgainOnConflictAsync(async () =>
        {
            await using var session = sessions.OpenFor(actor);
            var index = await session.LoadAsync<ProtectionIndex>(protectionId);
            if (index is null || !index.MayBeEndedBy(actor))
            {
                return Problems.NotFound("The protection");
            }

            // The version first, then whether it has ended: an end committed in between is either seen or collides.
            var stream = SubjectKeysOfStreams.Protection(index.SubjectRef);
            var version = (await session.Events.FetchStreamStateAsync(stream))!.Version;
            var answer = new ProtectionAccepted(protectionId);
            if ((await session.LoadAsync<ProtectionIndex>(protectionId))!.Ended)
            {
                return Results.Ok(answer);
            }

            session.Events.Append(stream, version + 1,
                new DvProtectionEnded(protectionId, index.SubjectRef, command.EndedBy ?? actor.Principal, command.Note, command.OccurredAt ?? now));
            await session.SaveChangesAsync();
            return Results.Created($"/api/v1/subjects/protections/{protectionId}", answer);
        }, "The person's protection changed while this end was recorded; send it again.");
    }
}
