using System.Security.Claims;
using System.Text.RegularExpressions;
using Marten;
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
    NonDisclosureMark? NonDisclosure);

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

    [WolverinePost("/api/v1/exchanges/{exchangeId}/provision")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Post(
        string exchangeId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<ProvideInformation>(request);
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
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        return await Concurrency.DecideAgainOnConflictAsync(
            () => DecideAsync(exchangeId, command, fingerprint, actor, sessions),
            "The exchange changed while this provision was recorded; send it again.");
    }

    private static async Task<IResult> DecideAsync(
        string exchangeId, ProvideInformation command, string fingerprint, Actor actor, LedgerSessions sessions)
    {
        await using var session = sessions.OpenFor(actor);
        var (exchange, version) = await ExchangeStreams.LoadAsync(session, exchangeId);
        var side = exchange?.SideOf(actor);
        if (exchange is null || side is null)
        {
            return Problems.NotFound("The exchange");
        }

        if (side == Sides.Inquirer)
        {
            return Problems.Forbidden("Only the provider (or the network system) records a provision.");
        }

        var answer = new ExchangeAccepted(exchangeId);
        if (exchange.Provided)
        {
            return exchange.ProvisionFingerprint == fingerprint
                ? Results.Ok(answer)
                : Problems.Conflict("This exchange already has a provision.");
        }

        if (command.ProvidedAt < exchange.RequestedAt)
        {
            return Problems.Validation("providedAt", "must not be before the inquiry's requestedAt.");
        }

        var link = await session.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(exchange.ProviderCode, command.ProviderLocalRecordId!));
        if (link is not { Active: true } || link.SubjectRef != exchange.SubjectRef)
        {
            return Problems.Unprocessable("providerLocalRecordId", "is not linked to the person the inquiry is about.");
        }

        if (command.ProvidedAt < link.LinkedAt)
        {
            return Problems.Unprocessable("providedAt", "precedes the linkage of providerLocalRecordId that the provision relies on.");
        }

        session.Events.Append(ExchangeKeys.Stream(exchangeId), version + 1, ToEvent(exchangeId, command, link, fingerprint));
        await session.SaveChangesAsync();
        return Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", answer);
    }
}
