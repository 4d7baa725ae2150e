using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.MarkingNonDisclosure;

/// <summary><c>side</c> is for the network system acting for a party; an institution always acts on its own side.</summary>
public sealed record SetNonDisclosure(string? Reason, string? By, string? Side, DateTimeOffset? OccurredAt) : ILedgerCommand;

public sealed record LiftNonDisclosure(string? By, string? Note, string? Side, DateTimeOffset? OccurredAt) : ILedgerCommand;

public sealed record NonDisclosureState(string ExchangeId, string Side, bool Marked);

public static class NonDisclosureSides
{
    public const string LostRace = "The exchange changed while this mark was recorded; send it again.";

    /// <summary>The side a mark is set or lifted on: an institution's own, or the one the network system names (its own by default).</summary>
    public static string? Of(ExchangeState? exchange, Actor actor, string? named) =>
        exchange?.SideOf(actor) is { } side ? (actor.Is(Roles.Nws) ? named ?? Sides.Nws : side) : null;

    public static string History(string exchangeId) => $"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history";
}

public static class SetNonDisclosureEndpoint
{
    /// <summary>A mark on the caller's side; a mark already in force there leaves the record as it is (200).</summary>
    public static Decision Decide(string exchangeId, SetNonDisclosure command, ExchangeState? exchange, Actor actor, string fingerprint, DateTimeOffset now)
    {
        if (NonDisclosureSides.Of(exchange, actor, command.Side) is not { } side)
        {
            return Decision.Reply(Problems.NotFound("The exchange"));
        }

        var answer = new NonDisclosureState(exchangeId, side, true);
        return exchange!.ActiveMarks.ContainsKey(side)
            ? Decision.Reply(Results.Ok(answer))
            : Decision.Record(Results.Created(NonDisclosureSides.History(exchangeId), answer),
                new NonDisclosureSet(exchangeId, side, command.Reason!, command.By!, fingerprint, command.OccurredAt ?? now));
    }

    public static IResult Validate(SetNonDisclosure command, LedgerOptions options, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.OneOf("reason", command.Reason, NonDisclosureReasons.All);
        errors.Required("by", command.By);
        errors.OneOf("side", command.Side, Sides.All, required: false);
        errors.NotInFuture("occurredAt", command.OccurredAt, clock.GetUtcNow(), options.ClockSkew, required: false);
        return errors.Any ? errors.ToProblem() : WolverineContinue.Result();
    }

    [WolverinePost("/api/v1/exchanges/{exchangeId}/non-disclosure")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static Task<IResult> Set(
        string exchangeId, SetNonDisclosure command, Actor actor, LedgerWrites writes, LedgerOptions options, TimeProvider clock)
    {
        var (fingerprint, now) = (Fingerprint.Of(command, options.SubjectHmacKey), clock.GetUtcNow());
        return writes.DecideAsync<ExchangeState>(
            actor, ExchangeKeys.Stream(exchangeId), exchange => Decide(exchangeId, command, exchange, actor, fingerprint, now), NonDisclosureSides.LostRace);
    }
}

public static class LiftNonDisclosureEndpoint
{
    /// <summary>Lifts the mark in force on the caller's side; the same lift again is a repeat, any other lift of no mark a conflict.</summary>
    public static Decision Decide(string exchangeId, LiftNonDisclosure command, ExchangeState? exchange, Actor actor, string fingerprint, DateTimeOffset now)
    {
        if (NonDisclosureSides.Of(exchange, actor, command.Side) is not { } side)
        {
            return Decision.Reply(Problems.NotFound("The exchange"));
        }

        var answer = new NonDisclosureState(exchangeId, side, false);
        if (!exchange!.ActiveMarks.ContainsKey(side))
        {
            return Decision.Reply(exchange.LastLifts.TryGetValue(side, out var last) && last == fingerprint
                ? Results.Ok(answer)
                : Problems.Conflict($"The {side} side has no non-disclosure mark in force to lift."));
        }

        return Decision.Record(Results.Created(NonDisclosureSides.History(exchangeId), answer),
            new NonDisclosureLifted(exchangeId, side, command.By!, command.Note, fingerprint, command.OccurredAt ?? now));
    }

    public static IResult Validate(LiftNonDisclosure command, LedgerOptions options, TimeProvider clock)
    {
        var errors = new FieldErrors();
        errors.Required("by", command.By);
        errors.Optional("note", command.Note);
        errors.OneOf("side", command.Side, Sides.All, required: false);
        errors.NotInFuture("occurredAt", command.OccurredAt, clock.GetUtcNow(), options.ClockSkew, required: false);
        return errors.Any ? errors.ToProblem() : WolverineContinue.Result();
    }

    [WolverinePost("/api/v1/exchanges/{exchangeId}/non-disclosure/lift")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static Task<IResult> Lift(
        string exchangeId, LiftNonDisclosure command, Actor actor, LedgerWrites writes, LedgerOptions options, TimeProvider clock)
    {
        var (fingerprint, now) = (Fingerprint.Of(command, options.SubjectHmacKey), clock.GetUtcNow());
        return writes.DecideAsync<ExchangeState>(
            actor, ExchangeKeys.Stream(exchangeId), exchange => Decide(exchangeId, command, exchange, actor, fingerprint, now), NonDisclosureSides.LostRace);
    }
}
