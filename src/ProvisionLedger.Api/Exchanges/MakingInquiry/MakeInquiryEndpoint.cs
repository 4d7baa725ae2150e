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
    NonDisclosureMark? NonDisclosure) : ILedgerCommand;


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
    public static Refusal? CheckLink(MakeInquiry command, LocalRecordLink? link)
    {
        if (link is not { Active: true })
        {
            return new Refusal("inquirerLocalRecordId", "is not linked to a person at this institution.");
        }

        return command.RequestedAt < link.LinkedAt
            ? new Refusal("requestedAt", "precedes the linkage of inquirerLocalRecordId that the inquiry relies on.")
            : null;
    }

    /// <summary>
    /// An inquiry against the exchange its id names (if any) and the inquirer's local record link. A caller who is no
    /// party of an existing exchange is decided as for an unknown id, so every answer but the last is the same for both:
    /// the id's existence is not for it to learn.
    /// </summary>
    public static Decision Decide(MakeInquiry command, ExchangeState? existing, LocalRecordLink? link, Actor actor, string fingerprint)
    {
        var answer = new ExchangeAccepted(command.ExchangeId!);
        if (existing is not null && existing.SideOf(actor) is not null)
        {
            return Decision.Reply(existing.InquiryFingerprint == fingerprint
                ? Results.Ok(answer)
                : Problems.Conflict("An exchange with this exchangeId exists with other content."));
        }

        if (CheckLink(command, link) is { } refusal)
        {
            return Decision.Reply(refusal.ToProblem());
        }

        return existing is not null
            ? Decision.Reply(Problems.Conflict(UnavailableId))
            : Decision.Record(Results.Created($"/api/v1/exchanges/{Uri.EscapeDataString(command.ExchangeId!)}/history", answer),
                ToEvent(command, link!, fingerprint));
    }

    /// <summary>The inquiry as recorded: its subject is whoever the inquirer's local record is linked to now.</summary>
    public static InquiryMade ToEvent(MakeInquiry command, LocalRecordLink link, string fingerprint) => new(
        command.ExchangeId!, command.InquirerCode!, command.ProviderCode!, command.ProcedureCode!, command.InfoItemCode!,
        command.InquirerLocalRecordId!, link.LinkageId!, link.SubjectRef!, link.InstitutionSubjectCode!,
        command.Period, command.NonDisclosure, fingerprint, command.RequestedAt!.Value);

    /// <summary>The shape of the request, then whether this caller may make it.</summary>
    public static IResult Validate(MakeInquiry command, Actor actor, CodeRegistry codes, LedgerOptions options, TimeProvider clock)
    {
        var errors = Check(command, codes, clock.GetUtcNow(), options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        return actor.Is(Roles.Institution) && !actor.IsInstitution(command.InquirerCode!)
            ? Problems.Forbidden("An institution records inquiries it makes itself only (as the inquirer).")
            : WolverineContinue.Result();
    }

    [WolverinePost("/api/v1/exchanges")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution}")]
    public static Task<IResult> Post(MakeInquiry command, Actor actor, LedgerWrites writes, LedgerOptions options)
    {
        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        return writes.DecideAsync<ExchangeState, LocalRecordLink>(
            actor, ExchangeKeys.Stream(command.ExchangeId!),
            _ => LinkageKeys.Stream(command.InquirerCode!, command.InquirerLocalRecordId!),
            (existing, link) => Decide(command, existing, link, actor, fingerprint),
            "The exchange was recorded by another request meanwhile; send it again.");
    }
}
