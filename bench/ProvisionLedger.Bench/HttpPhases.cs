using System.Globalization;
using System.Net;
using System.Text.Json;
using ProvisionLedger.Api.Exchanges.RecordingBatch;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal.Searching;

namespace ProvisionLedger.Bench;

/// <summary>The measurements made through the service's HTTP API.</summary>
public sealed class HttpPhases(LedgerHost host, HttpClient client, Population population)
{
    private readonly Dictionary<string, string> _institutionTokens =
        population.Institutions.ToDictionary(c => c, c => host.Token(Roles.Institution, c), StringComparer.Ordinal);

    private readonly string _nws = host.Token(Roles.Nws);
    private readonly string _portal = host.Token(Roles.Mynaportal);

    private static readonly HttpStatusCode[] Created = [HttpStatusCode.Created];

    /// <summary>Links people <paramref name="first"/>.. at their three institutions, each institution sending its own.</summary>
    public async Task<(PhaseResult, Latencies)> LinkAsync(int first, int count, int clients)
    {
        var latencies = new Latencies();
        var result = await Load.RunAsync("linkages (POST /api/v1/linkages)", count * 3, clients, async unit =>
        {
            var person = first + (unit / 3);
            var institution = population.InstitutionsOf(person)[unit % 3];
            await latencies.TimeAsync("linkage", () => Load.SendAsync(
                client, HttpMethod.Post, "/api/v1/linkages", population.Linkage(person, institution), _institutionTokens[institution], Created));
        });
        return (result, latencies);
    }

    /// <summary>
    /// Exchanges through the single routes: the inquirer sends the inquiry, the provider its provision, and for a few the
    /// inquirer appends a correction.
    /// </summary>
    public async Task<(PhaseResult, Latencies)> IngestAsync(string series, int count, int clients, Func<int, int> personOf)
    {
        var latencies = new Latencies();
        var result = await Load.RunAsync("HTTP exchanges (inquiry + provision)", count, clients, async unit =>
        {
            var plan = population.Exchange(series, unit, personOf(unit));
            var inquirer = _institutionTokens[plan.Inquiry.InquirerCode!];
            await latencies.TimeAsync("inquiry", () => Load.SendAsync(
                client, HttpMethod.Post, "/api/v1/exchanges", plan.Inquiry, inquirer, Created));
            await latencies.TimeAsync("provision", () => Load.SendAsync(
                client, HttpMethod.Post, $"/api/v1/exchanges/{plan.ExchangeId}/provision", plan.Provision,
                _institutionTokens[plan.Inquiry.ProviderCode!], Created));
            if (plan.Correction is not null)
            {
                await latencies.TimeAsync("correction", () => Load.SendAsync(
                    client, HttpMethod.Post, $"/api/v1/exchanges/{plan.ExchangeId}/corrections", plan.Correction, inquirer, Created));
            }
        });
        return (result, latencies);
    }

    /// <summary>Whether the build has the bulk route (POST /api/v1/exchanges/batch).</summary>
    public async Task<bool> HasBulkPathAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/exchanges/batch")
        {
            Content = new StringContent("{\"records\":[]}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = LedgerHost.Bearer(_nws);
        using var response = await client.SendAsync(request);
        Load.Count(response.StatusCode);
        return response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed);
    }

    /// <summary>Exchanges through the bulk route, as the network system sends them: batches of inquiry + provision.</summary>
    public Task<(PhaseResult, Latencies)> BulkAsync(string name, string series, int count, int batchSize, int clients, Func<int, int> personOf) =>
        BulkAsync(name, series, 0, count, batchSize, clients, personOf);

    /// <summary>Exchanges <paramref name="from"/>..<paramref name="from"/>+<paramref name="count"/> of a series through the bulk route.</summary>
    public async Task<(PhaseResult, Latencies)> BulkAsync(string name, string series, int from, int count, int batchSize, int clients, Func<int, int> personOf, Action<int>? done = null)
    {
        var latencies = new Latencies();
        var batches = (count + batchSize - 1) / batchSize;
        var recorded = 0;
        var result = await Load.RunAsync(name, batches, clients, async batch =>
        {
            var first = batch * batchSize;
            var records = Enumerable.Range(from + first, Math.Min(batchSize, count - first))
                .Select(i => population.Exchange(series, i, personOf(i)))
                .Select(p => new BatchRecord(p.Inquiry, p.Provision))
                .ToList();
            var answer = await latencies.TimeAsync($"batch of {batchSize}", () => Load.SendAsync(
                client, HttpMethod.Post, "/api/v1/exchanges/batch", new RecordBatch(records), _nws, Created));
            var outcome = JsonSerializer.Deserialize<BatchRecorded>(answer, Load.Json)!;
            Interlocked.Add(ref recorded, outcome.Recorded);
            done?.Invoke(batch);
        });
        if (recorded != count && result.Failures == 0)
        {
            throw new BenchException($"The bulk path recorded {recorded} of {count} exchanges.");
        }

        return (result with { Units = recorded }, latencies);
    }

    /// <summary>The Mynaportal view of one person, first page, one call after another (each call also records RecordsViewed).</summary>
    public async Task<(Summary Latency, int Items)> PortalSearchAsync(int person, int calls, int warmup)
    {
        var latencies = new Latencies();
        var items = 0;
        var search = new SearchRecords(Population.MyNumberOf(person), new Viewer("self", null), null, null, null, null, null, 20, null);
        for (var i = 0; i < warmup + calls; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            var page = await Load.SendAsync(client, HttpMethod.Post, "/api/v1/mynaportal/records/search", search, _portal, HttpStatusCode.OK);
            if (i >= warmup)
            {
                latencies.Add("portal search", start);
            }

            items = JsonSerializer.Deserialize<PortalPage>(page, Load.Json)!.Items.Count;
        }

        return (latencies.Of("portal search"), items);
    }

    /// <summary>All pages of one person's view, following the cursors: how many records the view shows in all.</summary>
    public async Task<int> PortalTotalAsync(int person)
    {
        var total = 0;
        string? cursor = null;
        do
        {
            var search = new SearchRecords(Population.MyNumberOf(person), new Viewer("self", null), null, null, null, null, null, 100, cursor);
            var page = JsonSerializer.Deserialize<PortalPage>(
                await Load.SendAsync(client, HttpMethod.Post, "/api/v1/mynaportal/records/search", search, _portal, HttpStatusCode.OK), Load.Json)!;
            total += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return total;
    }

    /// <summary>
    /// Pages of a party listing, one call after another: half walk forward from the oldest record following the cursor,
    /// half start at a random point in the two years (the <c>from</c> filter) and follow one cursor from there.
    /// </summary>
    /// <param name="pooled">Also gets every timed page as "party page" (a stage's figure over all listings).</param>
    public async Task<(Summary First, Summary Cursor)> PagesAsync(string path, string token, int calls, int warmup, Latencies? pooled = null)
    {
        var latencies = new Latencies();
        var mix = new Mix(Mix.StableHash(path), 1);
        string? walk = null;
        for (var i = 0; i < warmup + calls; i++)
        {
            var timed = i >= warmup;
            if (i % 2 == 0)
            {
                var url = walk is null ? $"{path}pageSize=50" : $"{path}pageSize=50&cursor={Uri.EscapeDataString(walk)}";
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                var page = await Load.SendAsync(client, HttpMethod.Get, url, null, token, HttpStatusCode.OK);
                if (timed)
                {
                    latencies.Add(walk is null ? "first page" : "cursor page", start);
                    pooled?.Add("party page", start);
                }

                walk = Items(page).Next;
            }
            else
            {
                var from = DateTimeOffset.UtcNow.AddDays(-1 - mix.Next(730)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                var page = await Load.SendAsync(client, HttpMethod.Get, $"{path}pageSize=50&from={from}", null, token, HttpStatusCode.OK);
                if (timed)
                {
                    latencies.Add("first page", start);
                    pooled?.Add("party page", start);
                }

                if (Items(page).Next is { } next)
                {
                    start = System.Diagnostics.Stopwatch.GetTimestamp();
                    await Load.SendAsync(client, HttpMethod.Get, $"{path}pageSize=50&from={from}&cursor={Uri.EscapeDataString(next)}", null, token, HttpStatusCode.OK);
                    if (timed)
                    {
                        latencies.Add("cursor page", start);
                        pooled?.Add("party page", start);
                    }
                }
            }
        }

        return (latencies.Of("first page"), latencies.Of("cursor page"));
    }

    public string InstitutionToken(string code) => _institutionTokens[code];

    public string NwsToken => _nws;

    private static (int Count, string? Next) Items(byte[] page)
    {
        using var document = JsonDocument.Parse(page);
        var next = document.RootElement.GetProperty("nextCursor");
        return (document.RootElement.GetProperty("items").GetArrayLength(), next.ValueKind == JsonValueKind.String ? next.GetString() : null);
    }
}
