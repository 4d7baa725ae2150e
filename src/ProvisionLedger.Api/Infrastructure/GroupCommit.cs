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
    public Task CommitAsync(CommitStamp stamp, Action<IDocumentSession> write, string? stream = null)
    {
        var pending = new Pending(stamp, write, stream);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        return pending.Done.Task;
    }

    /// <summary>Writes queued and not yet taken into a transaction.</summary>
    public int Waiting => _queue.Reader.Count + Volatile.Read(ref _held);

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
                Take(next);
            }

            Volatile.Write(ref _held, held.Count);
            try
            {
                await CommitBatchAsync(batch);
            }
            catch (Exception e)
            {
                await RecoverAsync(batch, e);
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

            var conflicting = ConflictingStreams(error);
            var losers = open.Where(p => p.Stream is { } s && conflicting.Contains(s)).ToList();
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

    /// <summary>The streams a failed commit names as having lost a version check or a start.</summary>
    private static HashSet<string> ConflictingStreams(Exception error)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        void Visit(Exception? e)
        {
            switch (e)
            {
                case null:
                    return;
                case JasperFx.ConcurrencyException { Id: { } id }:
                    found.Add(id.ToString()!);
                    break;
                case Marten.Exceptions.ExistingStreamIdCollisionException { Id: { } id }:
                    found.Add(id.ToString()!);
                    break;
                case AggregateException aggregate:
                    foreach (var inner in aggregate.InnerExceptions)
                    {
                        Visit(inner);
                    }

                    return;
            }

            Visit(e.InnerException);
        }

        Visit(error);
        return found;
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

    private sealed record Pending(CommitStamp Stamp, Action<IDocumentSession> Write, string? Stream)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
