using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.MarkingNonDisclosure;

/// <summary><c>side</c> is for the network system acting for a party; an institution always acts on its own side.</summary>
public sealed record SetNonDisclosure(string? Reason, string? By, string? Side, DateTimeOffset? OccurredAt);

public sealed record LiftNonDisclosure(string? By, string? Note, string? Side, DateTimeOffset? OccurredAt);

public sealed record NonDisclosureState(string ExchangeId, string Side, bool Marked);

public static class NonDisclosureEndpoint
{
    private const string LostRace = "The exchange changed while this mark was recorded; send it again.";

    [WolverinePost("/api/v1/exchanges/{exchangeId}/non-disclosure")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Set(
        string exchangeId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<SetNonDisclosure>(request);
        if (command is null)
        {
            return bad!;
        }

        var now = clock.GetUtcNow();
        var errors = new FieldErrors();
        errors.OneOf("reason", command.Reason, NonDisclosureReasons.All);
        errors.Required("by", command.By);
        errors.OneOf("side", command.Side, Sides.All, required: false);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, options.ClockSkew, required: false);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        return await Concurrency.DecideAgainOnConflictAsync(async () =>
        {
            await using var session = sessions.OpenFor(actor);
            var (exchange, version) = await ExchangeStreams.LoadAsync(session, exchangeId);
            var side = exchange?.SideOf(actor);
            if (exchange is null || side is null)
            {
                return Problems.NotFound("The exchange");
            }

            side = actor.Is(Roles.Nws) ? command.Side ?? Sides.Nws : side;
            var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
            var answer = new NonDisclosureState(exchangeId, side, true);
            if (exchange.ActiveMarks.ContainsKey(side))
            {
                // A mark already in force on this side: the record stays non-disclosed, nothing new to record.
                return Results.Ok(answer);
            }

            session.Events.Append(ExchangeKeys.Stream(exchangeId), version + 1,
                new NonDisclosureSet(exchangeId, side, command.Reason!, command.By!, fingerprint, command.OccurredAt ?? now));
            await session.SaveChangesAsync();
            return Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", answer);
        }, LostRace);
    }

    [WolverinePost("/api/v1/exchanges/{exchangeId}/non-disclosure/lift")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Lift(
        string exchangeId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<LiftNonDisclosure>(request);
        if (command is null)
        {
            return bad!;
        }

        var now = clock.GetUtcNow();
        var errors = new FieldErrors();
        errors.Required("by", command.By);
        errors.Optional("note", command.Note);
        errors.OneOf("side", command.Side, Sides.All, required: false);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, options.ClockSkew, required: false);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        return await Concurrency.DecideAgainOnConflictAsync(async () =>
        {
            await using var session = sessions.OpenFor(actor);
            var (exchange, version) = await ExchangeStreams.LoadAsync(session, exchangeId);
            var side = exchange?.SideOf(actor);
            if (exchange is null || side is null)
            {
                return Problems.NotFound("The exchange");
            }

            side = actor.Is(Roles.Nws) ? command.Side ?? Sides.Nws : side;
            var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
            var answer = new NonDisclosureState(exchangeId, side, false);
            if (!exchange.ActiveMarks.ContainsKey(side))
            {
                return exchange.LastLifts.TryGetValue(side, out var last) && last == fingerprint
                    ? Results.Ok(answer)
                    : Problems.Conflict($"The {side} side has no non-disclosure mark in force to lift.");
            }

            session.Events.Append(ExchangeKeys.Stream(exchangeId), version + 1,
                new NonDisclosureLifted(exchangeId, side, command.By!, command.Note, fingerprint, command.OccurredAt ?? now));
            await session.SaveChangesAsync();
            return Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", answer);
        }, LostRace);
    }
}
