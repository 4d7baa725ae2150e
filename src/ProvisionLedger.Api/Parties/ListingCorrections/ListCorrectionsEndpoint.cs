using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using Wolverine.Http;

namespace ProvisionLedger.Api.Parties.ListingCorrections;

public sealed record InstitutionCorrection(
    string ExchangeId, string Role, string OtherPartyCode, string ProcedureCode, string InfoItemCode, DateTimeOffset RequestedAt,
    string CorrectionId, string Kind, string Note, string By, DateTimeOffset OccurredAt);

public sealed record InstitutionCorrections(string InstitutionCode, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<InstitutionCorrection> Items);

/// <summary>An institution's appended corrections (追記) over a period, from its own copies, oldest first.</summary>
public static class ListCorrectionsEndpoint
{
    public const int Limit = 5000;

    [WolverineGet("/api/v1/parties/{institutionCode}/corrections")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.Auditor},{Roles.IncidentResponder}")]
    public static async Task<IResult> Get(string institutionCode, HttpRequest request, Actor actor, StandbyReads standby, CodeRegistry codes, ReadAccessLog reads)
    {
        if ((actor.Is(Roles.Institution) && !actor.IsInstitution(institutionCode)) || codes.Institution(institutionCode) is null)
        {
            return Problems.NotFound("The institution");
        }

        var errors = new FieldErrors();
        var from = QueryTime.Read(request, "from", errors);
        var to = QueryTime.Read(request, "to", errors);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        const string corrected = "jsonb_array_length(d.data -> 'corrections') > 0";
        await using var read = await standby.OpenAsync();
        var session = read.Session;
        var asInquirer = await session.QueryAsync<InquirerRecord>($"where d.inquirer_code = ? and {corrected} limit {Limit}", institutionCode);
        var asProvider = await session.QueryAsync<ProviderRecord>($"where d.provider_code = ? and {corrected} limit {Limit}", institutionCode);
        var items = asInquirer.Select(r => (Record: (PartyRecord)r, Role: "inquirer", Other: r.ProviderCode))
            .Concat(asProvider.Select(r => (Record: (PartyRecord)r, Role: "provider", Other: r.InquirerCode)))
            .SelectMany(x => x.Record.Corrections.Select(c => new InstitutionCorrection(
                x.Record.ExchangeId, x.Role, x.Other, x.Record.ProcedureCode, x.Record.InfoItemCode, x.Record.RequestedAt,
                c.CorrectionId, c.Kind, c.Note, c.By, c.OccurredAt)))
            .Where(c => (from is null || c.OccurredAt >= from) && (to is null || c.OccurredAt <= to))
            .OrderBy(c => c.OccurredAt).ThenBy(c => c.ExchangeId, StringComparer.Ordinal)
            .ToList();
        await reads.RecordAsync(actor, "institution-corrections", items.Count, institutionCode: institutionCode);
        return Results.Ok(new InstitutionCorrections(institutionCode, from, to, items));
    }
}
