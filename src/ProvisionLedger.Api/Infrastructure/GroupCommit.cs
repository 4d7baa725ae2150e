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
/// A failing batch of several writes is committed again one write at a time, so one writer's conflict never fails
/// another's. Nothing waits for company: a lone writer commits at once, and writers that arrive during a commit form the
/// next batch.
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
    public Task CommitAsync(CommitStamp stamp, Action<IDocumentSession> write)
    {
        var pending = new Pending(stamp, write);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        return pending.Done.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await CommitBatchAsync(batch);
            }
            catch (Exception e)
            {
                if (batch.Count == 1)
                {
                    batch[0].Done.TrySetException(e);
                }
                else
                {
                    _log.LogDebug(e, "A group commit of {Count} writes failed; committing them one at a time", batch.Count);
                    foreach (var one in batch.Where(p => !p.Done.Task.IsCompleted))
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
            }

            batch.Clear();
        }
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

    private sealed record Pending(CommitStamp Stamp, Action<IDocumentSession> Write)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
