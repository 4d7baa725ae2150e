using System.Diagnostics;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Archiving;
using Marten.Events.Projections;
using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>What a rebuild replayed, and how long it took.</summary>
public sealed record RebuildResult(long Events, IReadOnlyList<string> Projections, TimeSpan Elapsed)
{
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 1e-6);
}

/// <summary>
/// Rebuilds every read model from the events in one pass: the ledger's documents are deleted, then the events are read in
/// pages in sequence order (archived streams included) and each page is given to every projection the store registers,
/// inline and asynchronous, in one session and one commit, so each projection writes its tables set-based per page
/// (<see cref="DocumentRows{T}"/>). Marten's own rebuild takes one projection at a time, each with its own pass over the
/// events. The asynchronous projections' progress is then set to the last event replayed. The events are only read.
/// Run it with no writers (the service stopped, or idle): an event appended during the rebuild may be missed.
/// </summary>
public static class ReadModelRebuild
{
    /// <param name="owner">
    /// The schema owner's login (<c>ConnectionStrings:LedgerAdmin</c>), which empties the read-model tables; the runtime
    /// login may not. Null: the store's own login empties them.
    /// </param>
    public static async Task<RebuildResult> RunAsync(
        IDocumentStore store, NpgsqlDataSource? owner, int eventsPerPage = 10_000, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var options = (StoreOptions)store.Options;
        var projections = options.Projections.All
            .Select(s => (Source: s, Projection: (s as IProjectionWrapper)?.InnerProjection as IProjection))
            .ToList();
        if (projections.FirstOrDefault(x => x.Projection is null) is { Source: { } other })
        {
            throw new InvalidOperationException($"Projection {other.Name} cannot be replayed page by page: its documents would be lost.");
        }

        // Only the documents that have a table: a write model aggregated live for a decision (FetchForWriting) is known to
        // Marten as a document type but never stored.
        var stored = await StoredTablesAsync(store, ct);
        var documentTypes = LedgerDocumentTypes(store).Where(t => stored.Contains(TableOf(t))).ToList();
        if (owner is null)
        {
            foreach (var type in documentTypes)
            {
                await store.Advanced.Clean.DeleteDocumentsByTypeAsync(type, ct);
            }
        }
        else
        {
            var tables = string.Join(", ", documentTypes.Select(t => $"{LedgerStore.Schema}.{TableOf(t)}"));
            await using var truncate = owner.CreateCommand($"truncate {tables}");
            await truncate.ExecuteNonQueryAsync(ct);
        }

        long last = 0, events = 0;
        while (true)
        {
            IReadOnlyList<IEvent> page;
            await using (var query = store.QuerySession())
            {
                var after = last;
                page = await query.Events.QueryAllRawEvents().Where(e => e.MaybeArchived() && e.Sequence > after)
                    .OrderBy(e => e.Sequence).Take(eventsPerPage).ToListAsync(ct);
            }

            if (page.Count == 0)
            {
                break;
            }

            await using (var session = store.LightweightSession())
            {
                foreach (var (_, projection) in projections)
                {
                    await projection!.ApplyAsync(session, page, ct);
                }

                await session.SaveChangesAsync(ct);
            }

            last = page[^1].Sequence;
            events += page.Count;
        }

        // The asynchronous projections go on from where the rebuild stopped, not from their old position.
        await using (var session = store.LightweightSession())
        {
            foreach (var (source, _) in projections.Where(x => x.Source.Lifecycle == ProjectionLifecycle.Async))
            {
                session.QueueSqlCommand(
                    $"insert into {LedgerStore.Schema}.mt_event_progression (name, last_seq_id) values (?, ?) " +
                    "on conflict (name) do update set last_seq_id = excluded.last_seq_id",
                    $"{source.Name}:All", last);
            }

            await session.SaveChangesAsync(ct);
        }

        return new RebuildResult(events, [.. projections.Select(x => x.Source.Name)], clock.Elapsed);
    }

    /// <summary>
    /// Marten's own rebuild of the same projections, one after another, for the benchmark to time beside
    /// <see cref="RunAsync"/>.
    /// </summary>
    public static async Task<RebuildResult> RunMartensAsync(IDocumentStore store, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var names = ((StoreOptions)store.Options).Projections.All.Where(s => s is IProjectionWrapper).Select(s => s.Name).ToList();
        using var daemon = await store.BuildProjectionDaemonAsync();
        foreach (var name in names)
        {
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(30), ct);
        }

        long events;
        await using (var query = store.QuerySession())
        {
            events = await query.Events.QueryAllRawEvents().Where(e => e.MaybeArchived()).CountAsync(ct);
        }

        return new RebuildResult(events, names, clock.Elapsed);
    }

    /// <summary>Every document type of the ledger: all of them are read models the projections keep.</summary>
    private static string TableOf(Type documentType) => $"mt_doc_{documentType.Name.ToLowerInvariant()}";

    private static async Task<HashSet<string>> StoredTablesAsync(IDocumentStore store, CancellationToken ct)
    {
        await using var session = store.QuerySession();
        var names = await session.QueryAsync<string>(
            "select tablename from pg_tables where schemaname = ?", ct, LedgerStore.Schema);
        return names.ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<Type> LedgerDocumentTypes(IDocumentStore store) =>
        store.Options.AllKnownDocumentTypes().Select(m => m.DocumentType)
            .Where(t => t.Namespace?.StartsWith("ProvisionLedger.", StringComparison.Ordinal) == true);
}
