using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.Correcting;

public sealed record AppendCorrection(string? Kind, string? Note, string? By, DateTimeOffset? OccurredAt) : ILedgerCommand;

public sealed record CorrectionAccepted(string ExchangeId, string CorrectionId);

public static class AppendCorrectionEndpoint
{
    public static FieldErrors Check(AppendCorrection command, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        errors.OneOf("kind", command.Kind, CorrectionKinds.All);
        errors.Required("note", command.Note, 2000);
        errors.Required("by", command.By);
        errors.NotInFuture("occurredAt", command.OccurredAt, now, skew);
        return errors;
    }

    /// <summary>The same correction sent again gets the same id.</summary>
    public static string CorrectionId(string exchangeId, string fingerprint) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{exchangeId}\n{fingerprint}")).AsSpan(0, 12));

    /// <summary>A correction appended to an exchange a party of which the caller is; the same correction again is a repeat.</summary>
    public static Decision Decide(string exchangeId, AppendCorrection command, ExchangeState? exchange, Actor actor, string fingerprint)
    {
        if (exchange?.SideOf(actor) is null)
        {
            return Decision.Reply(Problems.NotFound("The exchange"));
        }

        if (command.OccurredAt < exchange.RequestedAt)
        {
            return Decision.Reply(Problems.Validation("occurredAt", "must not be before the inquiry's requestedAt."));
        }

        if (exchange.CorrectionsByFingerprint.TryGetValue(fingerprint, out var existing))
        {
            return Decision.Reply(Results.Ok(new CorrectionAccepted(exchangeId, existing)));
        }

        var correction = new CorrectionAppended(
            exchangeId, CorrectionId(exchangeId, fingerprint), command.Kind!, command.Note!, command.By!, null, fingerprint, command.OccurredAt!.Value);
        return Decision.Record(
            Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", new CorrectionAccepted(exchangeId, correction.CorrectionId)),
            correction);
    }

    public static IResult Validate(AppendCorrection command, LedgerOptions options, TimeProvider clock) =>
        Check(command, clock.GetUtcNow(), options.ClockSkew) is { Any: true } errors ? errors.ToProblem() : WolverineContinue.Result();

    [WolverinePost("/api/v1/exchanges/{exchangeId}/corrections")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static Task<IResult> Post(string exchangeId, AppendCorrection command, Actor actor, LedgerWrites writes, LedgerOptions options)
    {
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        return writes.DecideAsync<ExchangeState>(
            actor, ExchangeKeys.Stream(exchangeId), exchange => Decide(exchangeId, command, exchange, actor, fingerprint),
            "The exchange changed while this correction was recorded; send it again.");
    }
}
