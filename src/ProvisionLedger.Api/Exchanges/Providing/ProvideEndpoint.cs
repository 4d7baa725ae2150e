using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.Providing;

public sealed record ProvideInformation(
    string? ProviderLocalRecordId,
    DateTimeOffset? ProvidedAt,
    string? Result,
    string? ErrorCode,
    string? PayloadDigest,
    NonDisclosureMark? NonDisclosure) : ILedgerCommand;

public static partial class ProvideEndpoint
{
    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    public static FieldErrors Check(ProvideInformation command, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        errors.Required("providerLocalRecordId", command.ProviderLocalRecordId);
        errors.NotInFuture("providedAt", command.ProvidedAt, now, skew);
        errors.OneOf("result", command.Result, ExchangeResults.All);
        if (command.Result == ExchangeResults.Error)
        {
            errors.Required("errorCode", command.ErrorCode, 32);
        }
        else if (command.ErrorCode is not null)
        {
            errors.Add("errorCode", "is only given with result \"error\".");
        }

        if (command.PayloadDigest is not null && !DigestPattern().IsMatch(command.PayloadDigest))
        {
            errors.Add("payloadDigest", "must be \"sha256:\" followed by 64 lowercase hex digits.");
        }
        else if (command.PayloadDigest is null && command.Result == ExchangeResults.Provided)
        {
            errors.Add("payloadDigest", "is required when information was provided.");
        }

        if (command.NonDisclosure is not null)
        {
            errors.OneOf("nonDisclosure.reason", command.NonDisclosure.Reason, NonDisclosureReasons.All);
        }

        return errors;
    }

    public static InformationProvided ToEvent(string exchangeId, ProvideInformation command, LocalRecordLink link, string fingerprint) => new(
        exchangeId, command.ProviderLocalRecordId!, link.LinkageId!, link.InstitutionSubjectCode!, command.Result!,
        command.ErrorCode, command.PayloadDigest, command.NonDisclosure, fingerprint, command.ProvidedAt!.Value);

    /// <summary>The rules against the provider's linkage: the same person as the inquiry's, in force, and not later than the provision.</summary>
    public static Refusal? CheckLink(ProvideInformation command, LocalRecordLink? link, string subjectRef)
    {
        if (link is not { Active: true } || link.SubjectRef != subjectRef)
        {
            return new Refusal("providerLocalRecordId", "is not linked to the person the inquiry is about.");
        }

        return command.ProvidedAt < link.LinkedAt
            ? new Refusal("providedAt", "precedes the linkage of providerLocalRecordId that the provision relies on.")
            : null;
    }

    /// <summary>A provision against the exchange and the provider's local record link.</summary>
    public static Decision Decide(
        string exchangeId, ProvideInformation command, ExchangeState? exchange, LocalRecordLink? link, Actor actor, string fingerprint)
    {
        var side = exchange?.SideOf(actor);
        if (exchange is null || side is null)
        {
            return Decision.Reply(Problems.NotFound("The exchange"));
        }

        if (side == Sides.Inquirer)
        {
            return Decision.Reply(Problems.Forbidden("Only the provider (or the network system) records a provision."));
        }

        var answer = new ExchangeAccepted(exchangeId);
        if (exchange.Provided)
        {
            return Decision.Reply(exchange.ProvisionFingerprint == fingerprint
                ? Results.Ok(answer)
                : Problems.Conflict("This exchange already has a provision."));
        }

        if (command.ProvidedAt < exchange.RequestedAt)
        {
            return Decision.Reply(Problems.Validation("providedAt", "must not be before the inquiry's requestedAt."));
        }

        if (CheckLink(command, link, exchange.SubjectRef) is { } refusal)
        {
            return Decision.Reply(refusal.ToProblem());
        }

        return Decision.Record(Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", answer),
            ToEvent(exchangeId, command, link!, fingerprint));
    }

    public static IResult Validate(ProvideInformation command, LedgerOptions options, TimeProvider clock) =>
        Check(command, clock.GetUtcNow(), options.ClockSkew) is { Any: true } errors ? errors.ToProblem() : WolverineContinue.Result();

    [WolverinePost("/api/v1/exchanges/{exchangeId}/provision")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static Task<IResult> Post(string exchangeId, ProvideInformation command, Actor actor, LedgerWrites writes, LedgerOptions options)
    {
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        return writes.DecideAsync<ExchangeState, LocalRecordLink>(
            actor, ExchangeKeys.Stream(exchangeId),
            // An institution can only be the provider here (else the decision never looks at the link): its own record is
            // read with the stream. The network system acts for any provider: read after the stream names it.
            exchange => (exchange?.ProviderCode ?? (actor.Is(Roles.Institution) ? actor.InstitutionCode : null)) is { } provider
                ? LinkageKeys.Stream(provider, command.ProviderLocalRecordId!)
                : null,
            (exchange, link) => Decide(exchangeId, command, exchange, link, actor, fingerprint),
            "The exchange changed while this provision was recorded; send it again.");
    }
}
