using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Exchanges.MakingInquiry;

public sealed record MakeInquiry(
    string? ExchangeId,
    string? InquirerCode,
    string? ProviderCode,
    string? ProcedureCode,
    string? InfoItemCode,
    string? InquirerLocalRecordId,
    InquiryPeriod? Period,
    DateTimeOffset? RequestedAt,
    NonDisclosureMark? NonDisclosure);


public static class MakeInquiryEndpoint
{
    public static FieldErrors Check(MakeInquiry command, CodeRegistry codes, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        if (errors.Required("exchangeId", command.ExchangeId) is { } id && id.Any(c => char.IsWhiteSpace(c) || c == '/'))
        {
            errors.Add("exchangeId", "must not contain spaces or slashes.");
        }

        if (codes.InstitutionProblem(command.InquirerCode) is { } inquirer)
        {
            errors.Add("inquirerCode", inquirer);
        }

        if (codes.InstitutionProblem(command.ProviderCode) is { } provider)
        {
            errors.Add("providerCode", provider);
        }
        else if (command.ProviderCode == command.InquirerCode)
        {
            errors.Add("providerCode", "must differ from inquirerCode.");
        }

        if (codes.Procedure(command.ProcedureCode) is null)
        {
            errors.Add("procedureCode", command.ProcedureCode is null ? "is required." : "is not a known procedure (事務手続).");
        }

        if (codes.InfoItem(command.InfoItemCode) is null)
        {
            errors.Add("infoItemCode", command.InfoItemCode is null ? "is required." : "is not a known information item (特定個人情報の項目).");
        }

        errors.Required("inquirerLocalRecordId", command.InquirerLocalRecordId);
        if (command.Period is { From: { } from, To: { } to } && from > to)
        {
            errors.Add("period.to", "must not be before period.from.");
        }

        errors.NotInFuture("requestedAt", command.RequestedAt, now, skew);
        if (command.NonDisclosure is not null)
        {
            errors.OneOf("nonDisclosure.reason", command.NonDisclosure.Reason, NonDisclosureReasons.All);
        }

        return errors;
    }

    /// <summary>What a caller who is no party of an exchange is told when its id is taken; it names no content.</summary>
    public const string UnavailableId = "This exchangeId cannot be recorded.";

    /// <summary>The rules against the inquirer's linkage: it must be in force, and the inquiry may not precede it.</summary>
    public static IResult? Decide(MakeInquiry command, LocalRecordLink? link, string prefix = "")
    {
        if (link is not { Active: true })
        {
            return Problems.Unprocessable($"{prefix}inquirerLocalRecordId", "is not linked to a person at this institution.");
        }

        return command.RequestedAt < link.LinkedAt
            ? Problems.Unprocessable($"{prefix}requestedAt", "precedes the linkage of inquirerLocalRecordId that the inquiry relies on.")
            : null;
    }

    /// <summary>The inquiry as recorded: its subject is whoever the inquirer's local record is linked to now.</summary>
    public static InquiryMade ToEvent(MakeInquiry command, LocalRecordLink link, string fingerprint) => new(
        command.ExchangeId!, command.InquirerCode!, command.ProviderCode!, command.ProcedureCode!, command.InfoItemCode!,
        command.InquirerLocalRecordId!, link.LinkageId!, link.SubjectRef!, link.InstitutionSubjectCode!,
        command.Period, command.NonDisclosure, fingerprint, command.RequestedAt!.Value);

    [WolverinePost("/api/v1/exchanges")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static async Task<IResult> Post(
        HttpRequest request, ClaimsPrincipal user, LedgerSessions sessions, CodeRegistry codes, LedgerOptions options, TimeProvider clock)
    {
        var (command, bad) = await JsonBody.ReadAsync<MakeInquiry>(request);
        if (command is null)
        {
            return bad!;
        }

        var errors = Check(command, codes, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var actor = Actor.From(user);
        if (actor.Is(Roles.Institution) && !actor.IsInstitution(command.InquirerCode!))
        {
            return Problems.Forbidden("An institution records inquiries it makes itself only (as the inquirer).");
        }

        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        var key = ExchangeKeys.Stream(command.ExchangeId!);
        var answer = new ExchangeAccepted(command.ExchangeId!);
        for (var attempt = 0; ; attempt++)
        {
            await using var session = sessions.OpenFor(actor);
            var (existing, _) = await ExchangeStreams.LoadAsync(session, command.ExchangeId!);
            if (existing is not null && existing.SideOf(actor) is not null)
            {
                return existing.InquiryFingerprint == fingerprint
                    ? Results.Ok(answer)
                    : Problems.Conflict("An exchange with this exchangeId exists with other content.");
            }

            // A caller who is no party of an existing exchange is decided as for an unknown id, so every answer but
            // the last is the same for both: the id's existence is not for it to learn.
            var link = await session.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(command.InquirerCode!, command.InquirerLocalRecordId!));
            if (Decide(command, link) is { } problem)
            {
                return problem;
            }

            if (existing is not null)
            {
                return Problems.Conflict(UnavailableId);
            }

            session.Events.StartStream(key, ToEvent(command, link!, fingerprint));
            try
            {
                await session.SaveChangesAsync();
                return Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(command.ExchangeId!)}/history", answer);
            }
            catch (Exception e) when (attempt == 0 && Concurrency.IsConflict(e))
            {
                // The same exchangeId arrived twice at once: decide again against what won.
            }
        }
    }
}
