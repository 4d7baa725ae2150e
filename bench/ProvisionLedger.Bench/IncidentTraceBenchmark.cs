using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.Providing;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;

namespace ProvisionLedger.Bench;

/// <summary>
/// The incident trace on a big store: one local record wrongly linked, with <c>records</c> exchanges made under it (half
/// as inquirer, half as provider), the wrong person's Mynaportal views, the confirmation over HTTP, then the trace and the
/// report over HTTP, timed. Run it after the store holds its million records (BenchMain, section 3):
/// <code>await IncidentTraceBenchmark.MeasureAsync(host, client, database);</code>
/// The exchanges are appended in process with the events exactly as the endpoints build them, inline projections on, so
/// the linkage index the trace reads is the one the service keeps.
/// </summary>
public static class IncidentTraceBenchmark
{
    private const string A = "131016";
    private const string B = "011002";
    private const string C = "131041";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="incident">Numbers the incident, so that a run can measure several (each stage its own): its people, local records and exchanges are its own.</param>
    public static async Task<IncidentFigures> MeasureAsync(LedgerHost host, HttpClient client, BenchDatabase database, int records = 10_000, int calls = 30, int incident = 0)
    {
        Console.WriteLine();
        Console.WriteLine($"Incident trace: one mis-linkage covering {records:N0} records in this store   [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
        var tag = incident == 0 ? "INCB" : $"INCB{incident}";
        var s = LedgerStore.Schema;
        Console.WriteLine($"  store before: {await database.ScalarAsync<long>($"select count(*) from {s}.mt_doc_nwsrecord"):N0} exchange records, " +
                          $"{await database.ScalarAsync<long>($"select count(*) from {s}.mt_events"):N0} events, " +
                          $"{await database.ScalarAsync<long>($"select count(*) from {s}.mt_doc_linkedexchange"):N0} linkage-index rows");

        var w = NumberOf(9_100_000 + (2 * incident));
        var t = NumberOf(9_100_001 + (2 * incident));
        var linkedAt = DateTimeOffset.UtcNow.AddDays(-400).ToOffset(Jst.Offset);
        var discoveredAt = DateTimeOffset.UtcNow.AddDays(-1).ToOffset(Jst.Offset);
        var wrong = await LinkAsync(host, client, A, $"{tag}-A", w, linkedAt, wrongWay: true);
        await LinkAsync(host, client, B, $"{tag}-B", w, linkedAt, wrongWay: false);
        await LinkAsync(host, client, C, $"{tag}-C", w, linkedAt, wrongWay: false);

        var append = Stopwatch.StartNew();
        await AppendExchangesAsync(host, tag, records, linkedAt, discoveredAt);
        Console.WriteLine($"  {records:N0} exchanges under the wrong linkage appended in process in {append.Elapsed.TotalSeconds:F1} s");

        // The wrong person looks, as in 2023: three searches, first pages of 100.
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(client, HttpMethod.Post, "/api/v1/mynaportal/records/search", host.Token(Roles.Mynaportal),
                new { myNumber = w, viewer = new { kind = "self" }, pageSize = 100 }, HttpStatusCode.OK);
        }

        // The chain integrator (and the daemon) first take in the records just appended, so that the confirmation is timed
        // alone, not beside the catch-up of this setup's own burst of events.
        var caughtUp = await ChainLag.CatchUpAsync(database, TimeSpan.FromMinutes(10));
        Console.WriteLine($"  chain caught up with those records after {caughtUp.TotalSeconds:F1} s");
        await database.ExecuteAsync("select pg_stat_statements_reset()");
        var cpu = Load.Meter?.Take();
        var confirm = Stopwatch.StartNew();
        var answer = await SendAsync(client, HttpMethod.Post, $"/api/v1/linkages/{wrong}/mislinkage", host.Token(Roles.Institution, A),
            new { discoveredAt, discoveredBy = "bench", cause = "3情報照会で複数該当", correctMyNumber = t }, HttpStatusCode.Created);
        var confirmed = confirm.Elapsed;
        var incidentId = JsonDocument.Parse(answer).RootElement.GetProperty("incidentId").GetString()!;
        Console.WriteLine($"  confirmation (POST .../mislinkage: end, re-link, {records:N0} corrections, {records / 2:N0} attributions, one transaction): " +
                          $"{confirmed.TotalSeconds:F1} s{(cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())})")}; its statements by time:");
        foreach (var row in await database.RowsAsync(
                     "select calls, round(total_exec_time::numeric, 0), left(regexp_replace(query, '\\s+', ' ', 'g'), 120) from pg_stat_statements " +
                     "where dbid = (select oid from pg_database where datname = current_database()) order by total_exec_time desc limit 6"))
        {
            Console.WriteLine($"    {row[0],7} calls {row[1],7} ms  {row[2]}");
        }

        await database.ExecuteAsync("analyze");
        caughtUp = await ChainLag.CatchUpAsync(database, TimeSpan.FromMinutes(10));
        Console.WriteLine($"  chain caught up with the confirmation's events after {caughtUp.TotalSeconds:F1} s");
        var responder = host.Token(Roles.IncidentResponder);
        cpu = Load.Meter?.Take();
        var trace = await TimeAsync(client, $"/api/v1/incidents/{incidentId}/trace", responder, calls);
        var traceCpu = cpu is null ? "" : $" ({CpuMeter.Describe(cpu, Load.Meter!.Take())}, {calls + 3} calls)";
        var report = await TimeAsync(client, $"/api/v1/incidents/{incidentId}/report", responder, Math.Max(5, calls / 3));
        Console.WriteLine($"  GET trace over HTTP (its first page: every count, and the first {GetTraceEndpoint.Limits.DefaultSize} affected records), " +
                          $"1 client, {calls} calls after 3 warm-up ({trace.Bytes / 1024:N0} KiB JSON each){traceCpu}:");
        Console.WriteLine("    " + trace.Summary);
        Console.WriteLine($"  GET report (HTML) over HTTP ({report.Bytes / 1024:N0} KiB each):");
        Console.WriteLine("    " + report.Summary);

        var codes = host.Services.GetRequiredService<CodeRegistry>();
        var inProcess = new Latencies();
        for (var i = 0; i < calls; i++)
        {
            await using var session = host.Store.QuerySession();
            await inProcess.TimeAsync("trace, in process (no HTTP/JSON)", () => GetTraceEndpoint.TraceAsync(session, incidentId, codes));
        }

        Console.WriteLine("    " + inProcess.Of("trace, in process (no HTTP/JSON)"));
        var check = JsonDocument.Parse(await SendAsync(client, HttpMethod.Get, $"/api/v1/incidents/{incidentId}/trace", responder, null, HttpStatusCode.OK)).RootElement;
        Console.WriteLine($"  trace says: {check.GetProperty("affectedRecordCount").GetInt32():N0} records, {check.GetProperty("affectedPersonCount").GetInt32()} persons, " +
                          $"viewed by the wrong person: {check.GetProperty("viewedByWrongSubject").GetProperty("viewed").GetBoolean()}, " +
                          $"reportable: {check.GetProperty("ppcReport").GetProperty("reportable").GetBoolean()}");
        Load.PrintStatuses();
        if (incident == 0)
        {
            Console.WriteLine("  the records-under-a-linkage lookup (EXPLAIN ANALYZE):");
            Console.WriteLine(await database.ExplainAsync(
                $"select d.data from {s}.mt_doc_linkedexchange as d where d.inquirer_linkage_id = '{wrong}' or d.provider_linkage_id = '{wrong}'"));
        }

        return new IncidentFigures(records, confirmed, trace.Summary, inProcess.Of("trace, in process (no HTTP/JSON)"));
    }

    private static string NumberOf(long person)
    {
        var first11 = (30_000_000_000L + (person * 7L)).ToString("D11", CultureInfo.InvariantCulture);
        return first11 + MyNumber.CheckDigit(first11).ToString(CultureInfo.InvariantCulture);
    }

    private static async Task<string> LinkAsync(LedgerHost host, HttpClient client, string institution, string local, string myNumber, DateTimeOffset at, bool wrongWay)
    {
        var body = new
        {
            institutionCode = institution, localRecordId = local, myNumber,
            method = wrongWay ? "jlis-3-items" : "jlis-4-items",
            evidence = new
            {
                queryItems = wrongWay ? new[] { "kanaName", "dateOfBirth", "sex" } : ["kanjiName", "dateOfBirth", "sex", "address"],
                candidateCount = wrongWay ? 2 : 1,
                documents = Array.Empty<string>(),
            },
            operatorId = "bench", checkerIds = wrongWay ? Array.Empty<string>() : ["bench-2"], approverId = wrongWay ? null : "chief",
            reason = "bench", occurredAt = at,
        };
        var answer = await SendAsync(client, HttpMethod.Post, "/api/v1/linkages", host.Token(Roles.Institution, institution), body,
            HttpStatusCode.Created, HttpStatusCode.OK);
        return JsonDocument.Parse(answer).RootElement.GetProperty("linkageId").GetString()!;
    }

    /// <summary>Even i: A asks B about its record (A as inquirer). Odd i: C asks A about W (A as provider).</summary>
    private static async Task AppendExchangesAsync(LedgerHost host, string tag, int records, DateTimeOffset from, DateTimeOffset to)
    {
        var options = host.LedgerOptions;
        LocalRecordLink aLink, bLink, cLink;
        await using (var query = host.Store.QuerySession())
        {
            aLink = (await query.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(A, $"{tag}-A")))!;
            bLink = (await query.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(B, $"{tag}-B")))!;
            cLink = (await query.LoadAsync<LocalRecordLink>(LinkageKeys.Stream(C, $"{tag}-C")))!;
        }

        var step = (to - from).Ticks / (records + 1);
        const int Batch = 500;
        for (var first = 0; first < records; first += Batch)
        {
            await using var session = host.Store.LightweightSession();
            session.LastModifiedBy = "nws:bench-incident";
            session.CorrelationId = Guid.NewGuid().ToString("n");
            for (var i = first; i < Math.Min(records, first + Batch); i++)
            {
                var asInquirer = i % 2 == 0;
                var (inquirer, provider, inquirerLink, providerLink) = asInquirer ? (A, B, aLink, bLink) : (C, A, cLink, aLink);
                var requestedAt = from.AddTicks(step * (i + 1));
                var inquiry = new MakeInquiry($"NWS-{tag}-{i:D8}", inquirer, provider, asInquirer ? "74" : "57", asInquirer ? "2" : "1",
                    inquirerLink.LocalRecordId, null, requestedAt, null);
                var provision = new ProvideInformation(providerLink.LocalRecordId, requestedAt.AddSeconds(3), ExchangeResults.Provided, null,
                    "sha256:" + new string('b', 64), null);
                session.Events.StartStream(ExchangeKeys.Stream(inquiry.ExchangeId!),
                    MakeInquiryEndpoint.ToEvent(inquiry, inquirerLink, Fingerprint.Of(inquiry, options.SubjectHmacKey)),
                    ProvideEndpoint.ToEvent(inquiry.ExchangeId!, provision, providerLink, Fingerprint.Of(provision, options.SubjectHmacKey)));
            }

            await session.SaveChangesAsync();
        }
    }

    private static async Task<(Summary Summary, int Bytes)> TimeAsync(HttpClient client, string path, string token, int calls)
    {
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(client, HttpMethod.Get, path, token, null, HttpStatusCode.OK);
        }

        var latencies = new Latencies();
        var bytes = 0;
        for (var i = 0; i < calls; i++)
        {
            bytes = (await latencies.TimeAsync(path.EndsWith("/trace", StringComparison.Ordinal) ? "trace" : "report",
                () => SendAsync(client, HttpMethod.Get, path, token, null, HttpStatusCode.OK))).Length;
        }

        return (latencies.All()[0], bytes);
    }

    private static async Task<byte[]> SendAsync(HttpClient client, HttpMethod method, string path, string token, object? body, params HttpStatusCode[] expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        using var response = await client.SendAsync(request);
        Load.Count(response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return expected.Contains(response.StatusCode)
            ? bytes
            : throw new BenchException($"{method} {path} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(bytes)}");
    }
}

/// <summary>One incident's figures: the confirmation over HTTP, and its trace's first page over HTTP and in process.</summary>
public sealed record IncidentFigures(int Records, TimeSpan Confirmation, Summary Trace, Summary TraceInProcess);
