using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Parties.ListingRecords;
using Wolverine.Http;

namespace ProvisionLedger.Api.Parties.GettingHistory;

public sealed record HistoryEntry(
    long Sequence,
    long Version,
    string Kind,
    DateTimeOffset RecordedAt,
    string? RecordedBy,
    string? CorrelationId,
    DateTimeOffset BusinessTime,
    string? CorrectionId,
    string? CorrectionKind,
    string? Note,
    string? By,
    string? Side,
    string? Reason,
    string? Result,
    bool RecordedLate = false);

public sealed record ExchangeHistory(string ExchangeId, PartyRecordItem Record, HistoryEntry Original, IReadOnlyList<HistoryEntry> Entries, IReadOnlyList<HistoryEntry> Corrections)
{
    /// <summary>The recording time asked for (<c>asOf</c>), when one was.</summary>
    public DateTimeOffset? AsOf { get; init; }

    /// <summary>The business time asked for (<c>validAt</c>), when one was.</summary>
    public DateTimeOffset? ValidAt { get; init; }
}

/// <summary>
/// The correction append history (追記) of a record, beside the record as the caller's party copy holds it: the original
/// entry and every later entry, in order, with who and when. With <c>asOf</c> (recording time) and/or <c>validAt</c>
/// (business time), only the entries recorded by asOf that had happened by validAt, and the record as the caller's copy
/// held it from them.
/// </summary>
public static class GetExchangeHistoryEndpoint
{
    [WolverineGet("/api/v1/exchanges/{exchangeId}/history")]
    [Authorize(Roles = $"{Roles.Nws},{Roles.Institution},{Roles.Auditor},{Roles.IncidentResponder}")]
    public static async Task<IResult> Get(
        string exchangeId, HttpRequest request, Actor actor, IQuerySession session, ReadAccessLog reads, TimeProvider clock)
    {
        var (times, bad) = Bitemporal.FromQuery(request, clock.GetUtcNow());
        if (times is null)
        {
            return bad!;
        }

        var asked = request.Query.ContainsKey("asOf") || request.Query.ContainsKey("validAt");
        var events = await session.Events.FetchStreamAsync(ExchangeKeys.Stream(exchangeId));
        var state = ExchangeStreams.Fold(events);
        if (state is null || (actor.Is(Roles.Institution) && state.SideOf(actor) is null))
        {
            return Problems.NotFound("The exchange");
        }

        PartyRecord? copy = state.SideOf(actor) switch
        {
            Sides.Inquirer when actor.Is(Roles.Institution) => await session.LoadAsync<InquirerRecord>(exchangeId),
            Sides.Provider when actor.Is(Roles.Institution) => await session.LoadAsync<ProviderRecord>(exchangeId),
            _ => await session.LoadAsync<NwsRecord>(exchangeId),
        };
        if (copy is null)
        {
            return Problems.NotFound("The exchange");
        }

        var entries = events.Select(Entry).ToList();
        if (asked)
        {
            var shown = events.Zip(entries).Where(x => times.Includes(x.Second.RecordedAt, x.Second.BusinessTime)).ToList();
            if (shown.Count == 0 || shown[0].Second.Kind != "inquiry-made")
            {
                return Problems.NotFound("The exchange as recorded by asOf and made by validAt");
            }

            // The caller's copy rebuilt from those entries alone, by the projection's own fold.
            var rebuilt = new Dictionary<string, (NwsRecord Nws, InquirerRecord Inquirer, ProviderRecord Provider)>(StringComparer.Ordinal);
            foreach (var (e, _) in times.InStateOrder(shown, x => x.Second.BusinessTime, x => x.Second.Sequence))
            {
                PartyCopiesProjection.Apply(rebuilt, e.Data);
            }

            var (nws, inquirer, provider) = rebuilt[exchangeId];
            copy = copy switch { InquirerRecord => inquirer, ProviderRecord => provider, _ => nws };
            entries = shown.Select(x => x.Second).ToList();
        }

        // An institution reads its own copy; anyone else reads the record as both parties hold it.
        string[] owners = actor.InstitutionCode is { } own ? [own] : [state.InquirerCode, state.ProviderCode];
        await reads.RecordAsync(actor, "exchange-history", state.SubjectRef, owners.Select(code => ((string?)code, 1)).ToList());
        return Results.Ok(new ExchangeHistory(
            exchangeId, ListRecordsEndpoint.ToItem(copy), entries[0], entries,
            entries.Where(e => e.Kind == "correction-appended").ToList()) { AsOf = asked ? times.AsOf : null, ValidAt = times.ValidAt });
    }

    private static HistoryEntry Entry(IEvent e)
    {
        var entry = new HistoryEntry(e.Sequence, e.Version, "", e.Timestamp, e.UserName, e.CorrelationId, e.Timestamp,
            null, null, null, null, null, null, null);
        entry = e.Data switch
        {
            InquiryMade x => entry with { Kind = "inquiry-made", BusinessTime = x.RequestedAt, Reason = x.NonDisclosure?.Reason },
            InformationProvided x => entry with { Kind = "information-provided", BusinessTime = x.ProvidedAt, Result = x.Result, Reason = x.NonDisclosure?.Reason },
            NonDisclosureSet x => entry with { Kind = "non-disclosure-set", BusinessTime = x.OccurredAt, Side = x.Side, Reason = x.Reason, By = x.By },
            NonDisclosureLifted x => entry with { Kind = "non-disclosure-lifted", BusinessTime = x.OccurredAt, Side = x.Side, Note = x.Note, By = x.By },
            CorrectionAppended x => entry with
            {
                Kind = "correction-appended", BusinessTime = x.OccurredAt, CorrectionId = x.CorrectionId, CorrectionKind = x.Kind, Note = x.Note, By = x.By,
            },
            RecordAttributedToSubject x => entry with { Kind = "record-attributed", BusinessTime = x.OccurredAt, Reason = x.Reason },
            _ => entry with { Kind = e.EventTypeName },
        };

        // Business time is the caller's word: an auditor sees at once which entries were recorded well after it.
        return entry with { RecordedLate = entry.RecordedAt - entry.BusinessTime > LateAfter };
    }

    /// <summary>An entry recorded more than this after its business time is marked <c>recordedLate</c>.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromDays(1);
}
