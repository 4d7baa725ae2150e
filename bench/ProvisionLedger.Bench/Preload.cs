using Marten;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Bench;

/// <summary>
/// Fills the ledger with a big store through the service's own store, inline projections on. Linkages are appended in
/// process (SubjectLinked events exactly as LinkEndpoint builds them); exchanges go through the bulk route when the build
/// has it, else through in-process sessions with the events exactly as the endpoints build them.
/// </summary>
public sealed class Preload(LedgerHost host, Population population)
{
    public async Task<PhaseResult> LinkAsync(int first, int count, int batchSize, int tasks)
    {
        var perBatch = Math.Max(1, batchSize / 3);
        var batches = (count + perBatch - 1) / perBatch;
        var result = await Load.RunAsync("preload linkages (in-process, inline projections)", batches, tasks, async batch =>
        {
            await using var session = Open();
            var from = first + (batch * perBatch);
            for (var person = from; person < Math.Min(first + count, from + perBatch); person++)
            {
                foreach (var institution in population.InstitutionsOf(person))
                {
                    var linked = population.LinkedEvent(population.Linkage(person, institution));
                    session.Events.StartStream(linked.StreamKey, linked);
                }
            }

            await session.SaveChangesAsync();
        });
        return result with { Units = count * 3 };
    }

    public async Task<PhaseResult> ExchangesInProcessAsync(string series, int count, int batchSize, int tasks, Func<int, int> personOf)
    {
        var batches = (count + batchSize - 1) / batchSize;
        var result = await Load.RunAsync($"preload exchanges (in-process sessions, batches of {batchSize})", batches, tasks, async batch =>
        {
            await using var session = Open();
            var first = batch * batchSize;
            for (var i = first; i < Math.Min(count, first + batchSize); i++)
            {
                var plan = population.Exchange(series, i, personOf(i));
                session.Events.StartStream(ExchangeKeys.Stream(plan.ExchangeId), [.. population.Events(plan, withCorrection: true)]);
            }

            await session.SaveChangesAsync();
            if (batch % Math.Max(1, batches / 10) == 0 && batch > 0)
            {
                Console.WriteLine($"    … batch {batch:N0} of {batches:N0} [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
            }
        });
        return result with { Units = count };
    }

    private IDocumentSession Open()
    {
        // Stamped as the service stamps the network system's writes (LedgerSessions).
        var session = host.Store.LightweightSession();
        session.LastModifiedBy = "nws:bench-preload";
        session.CorrelationId = Guid.NewGuid().ToString("n");
        session.SetHeader("role", Roles.Nws);
        return session;
    }
}
