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

    public async Task<PhaseResult> ExchangesInProcessAsync(string series, int from, int count, int batchSize, int tasks, Func<int, int> personOf)
    {
        var batches = (count + batchSize - 1) / batchSize;
        var result = await Load.RunAsync($"preload exchanges (in-process sessions, batches of {batchSize})", batches, tasks, async batch =>
        {
            await using var session = Open();
            var first = from + (batch * batchSize);
            for (var i = first; i < Math.Min(from + count, first + batchSize); i++)
            {
                var plan = population.Exchange(series, i, personOf(i));
                session.Events.StartStream(ExchangeKeys.Stream(plan.ExchangeId), [.. population.Events(plan, withCorrection: true)]);
            }

            await session.SaveChangesAsync();
            Progress(batch, batches);
        });
        return result with { Units = count };
    }

    /// <summary>
    /// The corrections of exchanges <paramref name="from"/>.. of a series, appended in process to their streams (the
    /// CorrectionAppended events as AppendCorrectionEndpoint builds them, inline projections on), sessions of
    /// <paramref name="batchSize"/>: after the bulk path, which records inquiry and provision only.
    /// </summary>
    public async Task<PhaseResult> CorrectionsInProcessAsync(string series, int from, int count, int batchSize, int tasks, Func<int, int> personOf)
    {
        var plans = Enumerable.Range(from, count).Select(i => population.Exchange(series, i, personOf(i))).Where(p => p.Correction is not null).ToArray();
        var batches = (plans.Length + batchSize - 1) / batchSize;
        var result = await Load.RunAsync($"preload corrections (in-process sessions, batches of {batchSize})", batches, tasks, async batch =>
        {
            await using var session = Open();
            foreach (var plan in plans.Skip(batch * batchSize).Take(batchSize))
            {
                session.Events.Append(ExchangeKeys.Stream(plan.ExchangeId), population.Events(plan, withCorrection: true)[2]);
            }

            await session.SaveChangesAsync();
        });
        return result with { Units = plans.Length };
    }

    /// <summary>Prints a line every tenth of a long phase, so a run cut short still shows how far it got and at what pace.</summary>
    public static void Progress(int batch, int batches)
    {
        if (batches >= 20 && batch % Math.Max(1, batches / 10) == 0 && batch > 0)
        {
            Console.WriteLine($"    … batch {batch:N0} of {batches:N0} at {DateTimeOffset.UtcNow:HH:mm:ss} UTC [load average {File.ReadAllText("/proc/loadavg").Trim()}]");
        }
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
