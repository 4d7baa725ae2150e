using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.Correcting;

public sealed record AppendCorrection(string? Kind, string? Note, string? By, DateTimeOffset? OccurredAt);

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

    [WolverinePost("/api/v1/exchanges/{exchangeId}/corrections")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Post(
        string exchangeId, HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<AppendCorrection>(request);
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
            "The exchange changed while this correction was recorded; send it again.");
    }

    private static async Task<IResult> DecideAsync(string exchangeId, AppendCorrection command, string fingerprint, Actor actor, LedgerSessions sessions)
    {
        await using var session = sessions.OpenFor(actor);
        var (exchange, version) = await ExchangeStreams.LoadAsync(session, exchangeId);
        if (exchange?.SideOf(actor) is null)
        {
            return Problems.NotFound("The exchange");
        }

        if (command.OccurredAt < exchange.RequestedAt)
        {
            return Problems.Validation("occurredAt", "must not be before the inquiry's requestedAt.");
        }

        if (exchange.CorrectionsByFingerprint.TryGetValue(fingerprint, out var existing))
        {
            return Results.Ok(new CorrectionAccepted(exchangeId, existing));
        }

        var correction = new CorrectionAppended(
            exchangeId, CorrectionId(exchangeId, fingerprint), command.Kind!, command.Note!, command.By!, null, fingerprint, command.OccurredAt!.Value);
        session.Events.Append(ExchangeKeys.Stream(exchangeId), version + 1, correction);
        await session.SaveChangesAsync();
        return Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(exchangeId)}/history", new CorrectionAccepted(exchangeId, correction.CorrectionId));
    }
}
