using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Subjects.Protecting;

public sealed record RegisterProtection(string? MyNumber, string? Reason, string? RegisteredBy, DateTimeOffset? OccurredAt) : ILedgerCommand;

/// <summary>The body is optional: ending a protection needs nothing but its id.</summary>
public sealed record EndProtection(string? EndedBy, string? Note, DateTimeOffset? OccurredAt) : ILedgerOptionalCommand;

public sealed record ProtectionAccepted(string ProtectionId);

public static class ProtectionEndpoints
{
    public const string LostRace = "The person's protection changed while this was recorded; send it again.";

    public static string Location(string protectionId) => $"/api/v1/subjects/protections/{protectionId}";
}

public static class RegisterProtectionEndpoint
{
    private static readonly string[] Reasons = ["dv", "abuse", "other"];

    /// <summary>The id of a registration: the same request from the same principal is the same protection.</summary>
    public static string ProtectionId(string fingerprint) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)).AsSpan(0, 16));

    public static Decision Decide(
        RegisterProtection command, ProtectionStreamState? person, Actor actor, string subjectRef, string fingerprint)
    {
        var protectionId = ProtectionId(fingerprint);
        var answer = new ProtectionAccepted(protectionId);
        return person is not null && person.Registered.Contains(protectionId)
            ? Decision.Reply(Results.Ok(answer))
            : Decision.Record(Results.Created(ProtectionEndpoints.Location(protectionId), answer), new DvProtectionRegistered(
                protectionId, subjectRef, command.Reason!, command.RegisteredBy!, fingerprint, command.OccurredAt!.Value,
                actor.Is(Roles.Institution) ? actor.InstitutionCode : null));
    }

    public static IResult Validate(RegisterProtection command, LedgerOptions options, TimeProvider clock)
    {
        var errors = new FieldErrors();
        if (!MyNumber.IsValid(command.MyNumber))
        {
            errors.Add("myNumber", MyNumber.Problem(command.MyNumber));
        }

        errors.OneOf("reason", command.Reason, Reasons);
        errors.Required("registeredBy", command.RegisteredBy);
        errors.NotInFuture("occurredAt", command.OccurredAt, clock.GetUtcNow(), options.ClockSkew);
        return errors.Any ? errors.ToProblem() : WolverineContinue.Result();
    }

    [WolverinePost("/api/v1/subjects/protections")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws}")]
    public static Task<IResult> Register(RegisterProtection command, Actor actor, LedgerWrites writes, SubjectKeys subjects, LedgerOptions options)
    {
        var subjectRef = subjects.SubjectRef(command.MyNumber!);
        var fingerprint = Fingerprint.Of(new { command, actor.Principal }, options.SubjectHmacKey);
        return writes.DecideAsync<ProtectionStreamState>(
            actor, SubjectKeysOfStreams.Protection(subjectRef), person => Decide(command, person, actor, subjectRef, fingerprint),
            ProtectionEndpoints.LostRace);
    }
}

public static class EndProtectionEndpoint
{
    /// <summary>Only the registering institution or the network system may end a protection; to anyone else it does not exist.</summary>
    public static Decision Decide(
        string protectionId, EndProtection command, ProtectionIndex? index, ProtectionStreamState? person, Actor actor, DateTimeOffset now)
    {
        if (index is null || !index.MayBeEndedBy(actor))
        {
            return Decision.Reply(Problems.NotFound("The protection"));
        }

        var answer = new ProtectionAccepted(protectionId);
        return person is not null && person.Ended.Contains(protectionId)
            ? Decision.Reply(Results.Ok(answer))
            : Decision.Record(Results.Created(ProtectionEndpoints.Location(protectionId), answer),
                new DvProtectionEnded(protectionId, index.SubjectRef, command.EndedBy ?? actor.Principal, command.Note, command.OccurredAt ?? now));
    }

    public static IResult Validate(EndProtection command, LedgerOptions options, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.Optional("endedBy", command.EndedBy, 64);
        errors.Optional("note", command.Note);
        errors.NotInFuture("occurredAt", command.OccurredAt, clock.GetUtcNow(), options.ClockSkew, required: false);
        return errors.Any ? errors.ToProblem() : WolverineContinue.Result();
    }

    [WolverinePost("/api/v1/subjects/protections/{protectionId}/end")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Nws}")]
    public static Task<IResult> End(string protectionId, EndProtection command, Actor actor, LedgerWrites writes, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return writes.DecideThroughDocumentAsync<ProtectionIndex, ProtectionStreamState>(
            actor, protectionId, index => SubjectKeysOfStreams.Protection(index.SubjectRef),
            (index, person) => Decide(protectionId, command, index, person, actor, now), ProtectionEndpoints.LostRace);
    }
}

/// <summary>The slim write model of one person's protection stream: the protections registered and ended.</summary>
public sealed class ProtectionStreamState
{
    /// <summary>The stream key; Marten's live aggregation (<c>FetchForWriting</c>) needs an identity.</summary>
    public string Id { get; set; } = "";

    public HashSet<string> Registered { get; set; } = [];

    public HashSet<string> Ended { get; set; } = [];

    public void Apply(DvProtectionRegistered e)
    {
        Registered.Add(e.ProtectionId);
    }

    public void Apply(DvProtectionEnded e)
    {
        Ended.Add(e.ProtectionId);
    }
}
