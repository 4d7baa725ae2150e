using System.Text.Json;
using System.Text.Json.Nodes;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal;
using Wolverine.Http;

namespace ProvisionLedger.Api.Parties.Reconciling;

/// <summary>
/// <c>copies-disagree</c>: two parties' copies of one record differ in a field they share. <c>projection-differs</c>: a
/// live copy is not what its events make of it (changed outside the ledger, or an event skipped). <c>missing-copy</c>: an
/// exchange without a copy. <c>orphan-copy</c>: a copy with no exchange behind it.
/// Copies: <c>nws</c>, <c>inquirer</c>, <c>provider</c>, and the Mynaportal entries: <c>portal</c> (the inquiry's subject)
/// and <c>portal-attributed</c> (a person a mis-linkage attributed the record to). Which person a portal entry belongs to
/// is never reported.
/// </summary>
public sealed record Divergence(string ExchangeId, string Kind, string Copy, string Field, string? Expected, string? Actual);

/// <summary>One call's part of the reconciliation; <see cref="NextCursor"/> continues with the next exchange streams.</summary>
public sealed record ReconciliationReport(
    DateTimeOffset CheckedAt, long ExchangesChecked, long EventsReplayed, bool Consistent, int DivergenceCount, bool Truncated,
    IReadOnlyList<Divergence> Divergences, string? NextCursor);

/// <summary>
/// Auditors' reconciliation of the three copies of every 情報提供等の記録: what the copies share must agree, and every live
/// copy must equal its rebuild from the events (folded in memory by the projection's own <see cref="PartyCopiesProjection.Apply"/>).
/// The Mynaportal entries are rebuilt the same way (<see cref="PortalProjection.Apply"/>), including the columns the portal
/// search filters on: a hidden record made visible by an edit to <c>non_disclosed</c> is found.
/// <para>
/// Bounded per call: a call checks up to <c>streams</c> exchange streams (default 5,000) in stream-id order, with the
/// copies and portal entries whose exchange ids fall in the same range (so an orphan copy is found by the call whose
/// range holds its id), and answers a sealed <c>nextCursor</c> for the next range until the last.
/// </para>
/// </summary>
public static class ReconcileEndpoint
{
    public const int PageSize = 500;
    public const int MaxReported = 1000;
    public const int DefaultStreamsPerCall = 5000;
    public const int MaxStreamsPerCall = 20000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The fields every party's copy holds (番号法 第23条: the same record held three times).</summary>
    private static readonly string[] Shared =
    [
        "exchangeId", "inquirerCode", "providerCode", "procedureCode", "infoItemCode", "period", "requestedAt", "providedAt", "result",
        "errorCode", "payloadDigest", "corrections", "nonDisclosures", "nonDisclosed",
    ];

    [WolverineGet("/api/v1/parties/reconciliation")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IResult> Get(
        HttpRequest request, PageRequest page, StandbyReads standby, TimeProvider clock, Keyset keyset, CancellationToken ct)
    {
        var streamsPerCall = DefaultStreamsPerCall;
        if (request.Query.TryGetValue("streams", out var size)
            && (!int.TryParse(size, System.Globalization.CultureInfo.InvariantCulture, out streamsPerCall) || streamsPerCall is < 1 or > MaxStreamsPerCall))
        {
            return Problems.Validation("streams", $"must be a whole number between 1 and {MaxStreamsPerCall}.");
        }

        var binding = $"reconciliation|{streamsPerCall}";
        var errors = new FieldErrors();
        var after = keyset.Open(page.Cursor, binding, errors, "the reconciliation")?.Id ?? "";
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var from = after;
        await using var read = await standby.OpenAsync(ct);
        var session = read.Session;
        var divergences = new List<Divergence>();
        var total = 0;
        void Report(Divergence d)
        {
            total++;
            if (divergences.Count < MaxReported)
            {
                divergences.Add(d);
            }
        }

        long exchanges = 0, replayed = 0;
        var more = false;
        while (exchanges < streamsPerCall)
        {
            var take = (int)Math.Min(PageSize, streamsPerCall - exchanges);
            var keys = (await session.QueryAsync<string>(
                $"select id from {LedgerStore.Schema}.mt_streams where id like 'exchange:%' and id > ? order by id limit {take + 1}", after)).ToArray();
            if (keys.Length == 0)
            {
                break;
            }

            if (keys.Length > take)
            {
                keys = keys[..take];
                more = exchanges + take >= streamsPerCall;
            }

            after = keys[^1];
            var events = await session.Events.QueryAllRawEvents().Where(e => e.StreamKey!.IsOneOf(keys)).OrderBy(e => e.Sequence).ToListAsync(ct);
            var rebuilt = new Dictionary<string, (NwsRecord Nws, InquirerRecord Inquirer, ProviderRecord Provider)>(StringComparer.Ordinal);
            var rebuiltPortal = new Dictionary<string, List<PortalEntry>>(StringComparer.Ordinal);
            foreach (var e in events)
            {
                PartyCopiesProjection.Apply(rebuilt, e.Data);
                PortalProjection.Apply(rebuiltPortal, e);
            }

            replayed += events.Count;
            var ids = keys.Select(k => k["exchange:".Length..]).ToArray();
            var batch = session.CreateBatchQuery();
            var nws = batch.Query<NwsRecord>().Where(x => x.Id.IsOneOf(ids)).ToList();
            var inquirers = batch.Query<InquirerRecord>().Where(x => x.Id.IsOneOf(ids)).ToList();
            var providers = batch.Query<ProviderRecord>().Where(x => x.Id.IsOneOf(ids)).ToList();
            var portal = batch.Query<PortalEntry>().Where(x => x.ExchangeId.IsOneOf(ids)).ToList();
            await batch.Execute(ct);
            var livePortal = (await portal).ToLookup(x => x.ExchangeId, StringComparer.Ordinal);
            var live = (Nws: (await nws).ToDictionary(x => x.Id), Inquirer: (await inquirers).ToDictionary(x => x.Id), Provider: (await providers).ToDictionary(x => x.Id));

            foreach (var id in ids)
            {
                exchanges++;
                if (!rebuilt.TryGetValue(id, out var expected))
                {
                    continue;
                }

                var copies = new (string Name, PartyRecord Expected, PartyRecord? Live)[]
                {
                    ("nws", expected.Nws, live.Nws.GetValueOrDefault(id)),
                    ("inquirer", expected.Inquirer, live.Inquirer.GetValueOrDefault(id)),
                    ("provider", expected.Provider, live.Provider.GetValueOrDefault(id)),
                };
                foreach (var (name, want, have) in copies)
                {
                    if (have is null)
                    {
                        Report(new Divergence(id, "missing-copy", name, "*", null, null));
                        continue;
                    }

                    foreach (var (field, expectedValue, actualValue) in Differences(want, have))
                    {
                        Report(new Divergence(id, "projection-differs", name, field, expectedValue, actualValue));
                    }
                }

                var present = copies.Where(c => c.Live is not null).ToList();
                for (var i = 1; i < present.Count; i++)
                {
                    foreach (var (field, first, other) in Differences(present[0].Live!, present[i].Live!, Shared))
                    {
                        Report(new Divergence(id, "copies-disagree", $"{present[0].Name}/{present[i].Name}", field, first, other));
                    }
                }

                foreach (var divergence in PortalDivergences(id, rebuiltPortal.GetValueOrDefault(id) ?? [], livePortal[id].ToList()))
                {
                    Report(divergence);
                }

                if (live.Nws.GetValueOrDefault(id) is { } n)
                {
                    if (live.Inquirer.GetValueOrDefault(id) is { } q && n.InquirerSubjectCode != q.SubjectCode)
                    {
                        Report(new Divergence(id, "copies-disagree", "nws/inquirer", "inquirerSubjectCode", n.InquirerSubjectCode, q.SubjectCode));
                    }

                    if (live.Provider.GetValueOrDefault(id) is { } p && n.ProviderSubjectCode != p.SubjectCode)
                    {
                        Report(new Divergence(id, "copies-disagree", "nws/provider", "providerSubjectCode", n.ProviderSubjectCode, p.SubjectCode));
                    }
                }
            }
        }

        // The copies in this call's range of stream ids: after the previous call's last stream, up to this call's last one
        // (or to the end, on the last call). Compared as the stream ids are, 'exchange:' || id, so the ranges meet exactly.
        var to = more ? after : null;
        var range = $"'exchange:' || {{0}} > ?{(to is null ? "" : " and 'exchange:' || {0} <= ?")}";
        object[] Bounds(params object[] first) => [.. first, from, .. to is null ? Array.Empty<object>() : [to]];
        foreach (var (table, name) in new[] { ("mt_doc_nwsrecord", "nws"), ("mt_doc_inquirerrecord", "inquirer"), ("mt_doc_providerrecord", "provider") })
        {
            var orphans = await session.QueryAsync<string>(
                $"select d.id from {LedgerStore.Schema}.{table} d where {string.Format(System.Globalization.CultureInfo.InvariantCulture, range, "d.id")} " +
                $"and not exists (select 1 from {LedgerStore.Schema}.mt_streams s where s.id = 'exchange:' || d.id) limit {MaxReported}", Bounds());
            foreach (var id in orphans)
            {
                Report(new Divergence(id, "orphan-copy", name, "*", null, null));
            }
        }

        var portalRange = string.Format(System.Globalization.CultureInfo.InvariantCulture, range, "d.exchange_id");
        foreach (var id in await session.QueryAsync<string>(
                     $"select d.exchange_id from {LedgerStore.Schema}.mt_doc_portalentry d where {portalRange} and not exists " +
                     $"(select 1 from {LedgerStore.Schema}.mt_streams s where s.id = 'exchange:' || d.exchange_id) limit {MaxReported}", Bounds()))
        {
            Report(new Divergence(id, "orphan-copy", "portal", "*", null, null));
        }

        // The search reads these columns, not the JSON: each must say what the document says.
        foreach (var (id, column) in await session.QueryAsync<ColumnMismatch>(
                     $"select jsonb_build_object('exchangeId', d.exchange_id, 'column', case " +
                     "when d.non_disclosed is distinct from (d.data ->> 'nonDisclosed')::boolean then 'non_disclosed' " +
                     "when d.subject_ref is distinct from d.data ->> 'subjectRef' then 'subject_ref' " +
                     "when d.sort_key is distinct from (d.data ->> 'sortKey')::bigint then 'sort_key' " +
                     "else 'exchange_id' end) " +
                     $"from {LedgerStore.Schema}.mt_doc_portalentry d where {portalRange} and (d.non_disclosed is distinct from (d.data ->> 'nonDisclosed')::boolean " +
                     "or d.subject_ref is distinct from d.data ->> 'subjectRef' or d.sort_key is distinct from (d.data ->> 'sortKey')::bigint " +
                     $"or d.exchange_id is distinct from d.data ->> 'exchangeId') limit {MaxReported}", Bounds()))
        {
            Report(new Divergence(id, "projection-differs", "portal", column, null, null));
        }

        return Results.Ok(new ReconciliationReport(
            clock.GetUtcNow(), exchanges, replayed, total == 0, total, total > divergences.Count, divergences,
            more ? keyset.Seal(0, after, binding) : null));
    }

    private sealed record ColumnMismatch(string ExchangeId, string Column);

    /// <summary>
    /// Entries are matched by person, but the report names only the exchange and whether the person is the inquiry's
    /// subject: the person's key stays inside.
    /// </summary>
    private static IEnumerable<Divergence> PortalDivergences(string exchangeId, List<PortalEntry> expected, List<PortalEntry> live)
    {
        var inquirySubject = expected.FirstOrDefault()?.SubjectRef;
        string CopyOf(PortalEntry e) => e.SubjectRef == inquirySubject ? "portal" : "portal-attributed";
        var liveById = live.ToDictionary(x => x.Id, StringComparer.Ordinal);
        foreach (var want in expected)
        {
            if (!liveById.Remove(want.Id, out var have))
            {
                yield return new Divergence(exchangeId, "missing-copy", CopyOf(want), "*", null, null);
                continue;
            }

            foreach (var (field, expectedValue, actualValue) in Differences(want, have).Where(d => d.Field is not ("id" or "subjectRef")))
            {
                yield return new Divergence(exchangeId, "projection-differs", CopyOf(want), field, expectedValue, actualValue);
            }
        }

        foreach (var extra in liveById.Values)
        {
            yield return new Divergence(exchangeId, "orphan-copy", CopyOf(extra), "*", null, null);
        }
    }

    /// <summary>Top-level fields whose JSON differs (all fields, or the named ones).</summary>
    private static IEnumerable<(string Field, string? Expected, string? Actual)> Differences(object expected, object actual, string[]? only = null)
    {
        var a = JsonSerializer.SerializeToNode(expected, expected.GetType(), Json)!.AsObject();
        var b = JsonSerializer.SerializeToNode(actual, actual.GetType(), Json)!.AsObject();
        foreach (var field in only ?? a.Select(p => p.Key).Union(b.Select(p => p.Key)).ToArray())
        {
            var x = a[field]?.ToJsonString();
            var y = b[field]?.ToJsonString();
            if (!string.Equals(x, y, StringComparison.Ordinal))
            {
                yield return (field, x, y);
            }
        }
    }
}
