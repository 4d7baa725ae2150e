using System.Threading.Channels;
using JasperFx.Events;
using Marten;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Who a write is for: stamped on each event that write appends, as <see cref="LedgerSessions.OpenFor"/> stamps a session's.</summary>
public sealed record CommitStamp(string Principal, string CorrelationId, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Group commit: concurrent writers hand their appends to one committer, which writes everything that queued while the
/// previous commit was running in one Marten session and one transaction (one round trip of statements, one WAL flush,
/// one seal), then answers each writer. <see cref="CommitAsync"/> completes only after the transaction holding that
/// writer's appends has committed, so what a request answers about is durable first; when that commit fails, it throws.
/// One writer's conflict never fails another's: when a batch fails on a stream's version check (or a stream started
/// twice), the writers of that stream are failed alone and the rest is committed again as one batch; any other failure of
/// one write is found by committing the batch again one write at a time. A failure that is the database's (unavailable,
/// read-only: <see cref="DatabaseUnavailable"/>) fails every write of the batch, which wrote nothing. Two writes to the
/// same stream never share a batch (the second waits for the next, and then meets the first's version). Nothing waits
/// for company: a lone writer commits at once, and writers that arrive during a commit form the next batch.
/// </summary>
public sealed class GroupCommit : IAsyncDisposable, IDisposable
{
    /// <summary>The most writes in one transaction.</summary>
    public const int MaxBatch = 256;

    private readonly IDocumentStore _store;
    private readonly ILogger<GroupCommit> _log;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _commits;
    private long _writes;

    public GroupCommit(IDocumentStore store, ILogger<GroupCommit> log)
    {
        _store = store;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed so far, and the writes they held (their ratio is the batching achieved).</summary>
    public (long Commits, long Writes) Counts => (Interlocked.Read(ref _commits), Interlocked.Read(ref _writes));

    /// <summary>
    /// Appends what <paramref name="write"/> puts into the shared session (events, documents), stamped with
    /// <paramref name="stamp"/>, and completes once it is committed. <paramref name="write"/> runs on the committer and must
    /// only add to the session (no reads, no awaits).
    /// </summary>
    /// <param name="stream">The stream <paramref name="write"/> appends to, when it is one: writes to the same stream go to
    /// different transactions, in the order they came.</param>
    /// <param name="expectedVersion">The stream's version <paramref name="write"/> was decided on (0: a stream it starts), when
    /// its append checks it: after a failed commit, the writes whose stream has moved on are the ones failed.</param>
    public Task CommitAsync(CommitStamp stamp, Action<IDocumentSession> write, string? stream = null, long? expectedVersion = null)
    {
        var pending = new Pending(stamp, write, stream, expectedVersion);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(GroupCommit));
        }

        return pending.Done.Task;
    }

    /// <summary>Writes queued and not yet taken into a transaction.</summary>
    public int Waiting => Volatile.Read(ref _queued) + Volatile.Read(ref _held);

    private int _queued;
    private int _held;

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        var held = new List<Pending>();
        var streams = new HashSet<string>(StringComparer.Ordinal);
        while (held.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            // Writes held back from the previous batch first (they came first), then what queued meanwhile.
            var earlier = held.ToList();
            held.Clear();
            foreach (var next in earlier)
            {
                Take(next);
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                Interlocked.Decrement(ref _queued);
                Take(next);
            }

            Volatile.Write(ref _held, held.Count);
            try
            {
                await CommitBatchAsync(batch);
            }
            catch (Exception e)
            {
                try
                {
                    await RecoverAsync(batch, e);
                }
                catch (Exception recovering)
                {
                    // Even finding the loser failed (the database went away meanwhile): whoever is still waiting fails.
                    foreach (var pending in batch)
                    {
                        pending.Done.TrySetException(recovering);
                    }
                }
            }

            batch.Clear();
            streams.Clear();
        }

        void Take(Pending next)
        {
            if (batch.Count >= MaxBatch || (next.Stream is { } stream && !streams.Add(stream)))
            {
                held.Add(next);
            }
            else
            {
                batch.Add(next);
            }
        }
    }

    /// <summary>After a batch failed: who failed it gets the error, the others are committed without it.</summary>
    private async Task RecoverAsync(List<Pending> batch, Exception error)
    {
        var open = batch.Where(p => !p.Done.Task.IsCompleted).ToList();
        while (true)
        {
            if (open.Count <= 1 || DatabaseUnavailable.Classify(error) is not null)
            {
                // One write, or the database refused the transaction as a whole: every write of it fails, none is written.
                foreach (var pending in open)
                {
                    pending.Done.TrySetException(error);
                }

                return;
            }

            // Marten names the first stream of the batch, not necessarily the one whose check failed: ask the database
            // which streams moved on since their writes were decided.
            var losers = Concurrency.IsConflict(error) ? await StaleAsync(open) : [];
            if (losers.Count == 0)
            {
                break;
            }

            foreach (var loser in losers)
            {
                loser.Done.TrySetException(error);
            }

            open = [.. open.Except(losers)];
            try
            {
                await CommitBatchAsync(open);
                return;
            }
            catch (Exception again)
            {
                error = again;
            }
        }

        _log.LogDebug(error, "A group commit of {Count} writes failed; committing them one at a time", open.Count);
        foreach (var one in open.Where(p => !p.Done.Task.IsCompleted))
        {
            try
            {
                await CommitBatchAsync([one]);
            }
            catch (Exception alone)
            {
                one.Done.TrySetException(alone);
            }
        }
    }

    /// <summary>The writes whose stream is no longer at the version they were decided on (a started stream that exists now).</summary>
    private async Task<List<Pending>> StaleAsync(List<Pending> open)
    {
        var checkedWrites = open.Where(p => p is { Stream: not null, ExpectedVersion: not null }).ToList();
        if (checkedWrites.Count == 0)
        {
            return [];
        }

        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var connection = _store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"select id, version from {LedgerStore.Schema}.mt_streams where id = any(@ids)";
        command.Parameters.Add(new Npgsql.NpgsqlParameter("ids", checkedWrites.Select(p => p.Stream!).Distinct().ToArray()));
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                versions[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return [.. checkedWrites.Where(p => versions.GetValueOrDefault(p.Stream!) != p.ExpectedVersion)];
    }

    private async Task CommitBatchAsync(List<Pending> batch)
    {
        await using var session = _store.LightweightSession();
        session.CorrelationId = null; // each event carries its own writer's
        var included = new List<Pending>(batch.Count);
        foreach (var pending in batch)
        {
            var before = session.PendingChanges.Streams().Sum(s => s.Events.Count);
            try
            {
                pending.Write(session);
            }
            catch (Exception e)
            {
                // Only this writer's own code failed: it fails alone (what it added is not separable, so the rest
                // is committed without it only when it added nothing).
                pending.Done.TrySetException(e);
                if (session.PendingChanges.Streams().Sum(s => s.Events.Count) != before)
                {
                    throw new InvalidOperationException("A group-commit write failed after adding events.", e);
                }

                continue;
            }

            foreach (var e in session.PendingChanges.Streams().SelectMany(s => s.Events).Skip(before))
            {
                Stamp(e, pending.Stamp);
            }

            included.Add(pending);
        }

        if (included.Count == 0)
        {
            return;
        }

        await session.SaveChangesAsync();
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _writes, included.Count);
        foreach (var pending in included)
        {
            pending.Done.TrySetResult();
        }
    }

    private static void Stamp(IEvent e, CommitStamp stamp)
    {
        e.UserName = stamp.Principal;
        e.CorrelationId = stamp.CorrelationId;
        foreach (var (name, value) in stamp.Headers)
        {
            e.SetHeader(name, value);
        }
    }

    /// <summary>Takes no more writes and waits for those queued to be committed or failed.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    /// <summary>The same, for a container disposed synchronously.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
    }

    private sealed record Pending(CommitStamp Stamp, Action<IDocumentSession> Write, string? Stream, long? ExpectedVersion)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
