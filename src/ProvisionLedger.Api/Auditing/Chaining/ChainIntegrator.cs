using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace ProvisionLedger.Api.Auditing.Chaining;

/// <summary>
/// Integrates committed events into the chain (and so the Merkle tree), in seq_id order and in batches, off the writers'
/// commit path: writers never wait on the chain. Each round picks a bound below which no sequence number can still
/// commit, and calls <c>audit_chain_integrate</c> up to it:
/// <list type="bullet">
/// <item>the gap-free run of committed events after the last one chained;</item>
/// <item>Marten's high-water mark (<c>mt_event_progression</c>), which skips sequence numbers of rolled-back appends;</item>
/// <item>across a gap it has seen, once every transaction that was in progress when it saw the gap has ended
/// (<c>pg_xact_status</c> of the snapshot's xip list): a sequence number is drawn inside its transaction, so a number
/// still missing then was rolled back.</item>
/// </list>
/// A rolled-back sequence number is so never a hole in the chain, and a late commit below the bound (a "straggler") is
/// picked up by the next round's look-back. All state is in the database: after a crash the next integrator resumes from
/// the chain's head. Runs on one node, chosen by Wolverine (<see cref="ChainIntegrationAgentFamily"/>).
/// </summary>
public sealed class ChainIntegrator(AuditConnections connections, ChainIntegrationStatus status, TimeProvider clock)
{
    public const int BatchSize = 5_000;

    /// <summary>How far below the last chained sequence number each round looks for stragglers.</summary>
    public const int LookBack = 1_000;

    private Gap? _gap;

    /// <summary>True while a gap below committed events waits for the transactions that may still fill it.</summary>
    public bool WaitingOnGap => _gap is not null;

    /// <summary>One round; returns the number of events chained.</summary>
    public async Task<long> IntegrateOnceAsync(CancellationToken ct = default)
    {
        var schema = LedgerStore.Schema;
        var started = Stopwatch.GetTimestamp();
        await using var connection = await connections.DataSource.OpenConnectionAsync(ct);
        long chained, highWater;
        string[] running;
        await using (var state = new NpgsqlCommand(
                         $"select (select coalesce(max(seq_id), 0) from {schema}.audit_chain), " +
                         $"coalesce((select last_seq_id from {schema}.mt_event_progression where name = 'HighWaterMark'), 0), " +
                         "array(select x::text from pg_snapshot_xip(pg_current_snapshot()) x)", connection))
        await using (var r = await state.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            (chained, highWater, running) = (r.GetInt64(0), r.GetInt64(1), r.GetFieldValue<string[]>(2));
        }

        var committed = new List<long>();
        await using (var next = new NpgsqlCommand($"select seq_id from {schema}.mt_events where seq_id > @after order by seq_id limit {BatchSize}", connection))
        {
            next.Parameters.AddWithValue("after", chained);
            await using var r = await next.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                committed.Add(r.GetInt64(0));
            }
        }

        var bound = chained;
        foreach (var seq in committed)
        {
            if (seq != bound + 1)
            {
                break;
            }

            bound = seq;
        }

        bound = Math.Max(bound, Math.Min(highWater, committed.Count > 0 ? committed[^1] : highWater));
        if (committed.Count > 0 && committed[^1] > bound)
        {
            if (_gap is null || _gap.Below != bound)
            {
                _gap = new Gap(bound, committed[^1], running);
            }
            else if (await AllEndedAsync(connection, _gap.Running, ct))
            {
                // Every transaction running when the gap was seen has ended: what is still missing below it was rolled back.
                bound = Math.Max(bound, _gap.SeenUpTo);
                _gap = null;
            }
        }
        else
        {
            _gap = null;
        }

        long integrated = 0;
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using var integrate = new NpgsqlCommand($"select {schema}.audit_chain_integrate(@after, @bound, @limit)", connection, tx);
            integrate.Parameters.AddWithValue("after", Math.Max(0, chained - LookBack));
            integrate.Parameters.AddWithValue("bound", bound);
            integrate.Parameters.AddWithValue("limit", BatchSize);
            integrated = (long)(await integrate.ExecuteScalarAsync(ct))!;
            await tx.CommitAsync(ct);
        }

        // Lag: how long the oldest event not chained yet has been waiting.
        await using (var oldest = new NpgsqlCommand(
                         $"select e.timestamp from {schema}.mt_events e where e.seq_id > (select coalesce(max(seq_id), 0) from {schema}.audit_chain) " +
                         "and isfinite(e.timestamp) " +
                         "order by e.seq_id limit 1", connection))
        {
            var waiting = await oldest.ExecuteScalarAsync(ct);
            status.Record(integrated, Stopwatch.GetElapsedTime(started),
                waiting is DateTime at ? clock.GetUtcNow() - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : TimeSpan.Zero);
        }

        return integrated;
    }

    private static async Task<bool> AllEndedAsync(NpgsqlConnection connection, string[] transactions, CancellationToken ct)
    {
        if (transactions.Length == 0)
        {
            return true;
        }

        await using var check = new NpgsqlCommand(
            "select count(*) from unnest(@xids::text[]) x where pg_xact_status(x::xid8) = 'in progress'", connection);
        check.Parameters.AddWithValue("xids", transactions);
        return (long)(await check.ExecuteScalarAsync(ct))! == 0;
    }

    /// <param name="Below">The last sequence number of the gap-free run when the gap was seen.</param>
    /// <param name="SeenUpTo">The highest committed sequence number seen then.</param>
    /// <param name="Running">The transactions in progress then (the snapshot's xip): one of them may hold a missing number.</param>
    private sealed record Gap(long Below, long SeenUpTo, string[] Running);
}

/// <summary>
/// How far the chain is behind the event store, for readiness checks and metrics: <see cref="Lag"/> (age of the oldest
/// event not chained yet, zero when caught up; null until the integrator has run on this node) and the meter
/// <c>ProvisionLedger</c>'s gauge <c>ledger.chain.lag.age</c> (seconds; <c>ledger.chain.lag</c>, in events, is the health check's).
/// </summary>
public sealed class ChainIntegrationStatus : IDisposable
{
    public const string MeterName = "ProvisionLedger";

    private readonly Meter _meter = new(MeterName);
    private readonly object _lock = new();
    private TaskCompletionSource _round = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _integrated;
    private double _busySeconds;

    public ChainIntegrationStatus()
    {
        _meter.CreateObservableGauge("ledger.chain.lag.age", () => Lag?.TotalSeconds ?? 0, "s",
            "Age of the oldest event not yet integrated into the audit chain (0 when caught up).");
        _meter.CreateObservableCounter("ledger.chain.integrated", () => Interlocked.Read(ref _integrated), "{event}",
            "Events integrated into the audit chain by this node.");
    }

    /// <summary>Age of the oldest event not chained yet after the last round; null when this node has not integrated.</summary>
    public TimeSpan? Lag { get; private set; }

    public DateTimeOffset? LastRoundAt { get; private set; }

    public long Integrated => Interlocked.Read(ref _integrated);

    /// <summary>Events chained per second of integration work on this node.</summary>
    public double EventsPerSecond => _busySeconds > 0 ? Integrated / _busySeconds : 0;

    public void Record(long integrated, TimeSpan took, TimeSpan lag)
    {
        TaskCompletionSource done;
        lock (_lock)
        {
            Interlocked.Add(ref _integrated, integrated);
            if (integrated > 0)
            {
                _busySeconds += took.TotalSeconds;
            }

            Lag = lag;
            LastRoundAt = DateTimeOffset.UtcNow;
            done = _round;
            _round = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.SetResult();
    }

    /// <summary>Completes after the next integration round on this node.</summary>
    public Task NextRoundAsync(CancellationToken ct = default)
    {
        lock (_lock)
        {
            return _round.Task.WaitAsync(ct);
        }
    }

    public void Dispose() => _meter.Dispose();
}

/// <summary>The integrator as a Wolverine agent: Wolverine runs exactly one, on one node, and moves it when that node goes.</summary>
public sealed class ChainIntegrationAgentFamily(ChainIntegrator integrator, ILogger<ChainIntegrationAgentFamily> logger) : IAgentFamily
{
    public const string AgentScheme = "ledger-chain";

    public static readonly Uri AgentUri = new($"{AgentScheme}://integrator");

    public string Scheme => AgentScheme;

    public ValueTask<IReadOnlyList<Uri>> AllKnownAgentsAsync() => ValueTask.FromResult<IReadOnlyList<Uri>>([AgentUri]);

    public ValueTask<IAgent> BuildAgentAsync(Uri uri, IWolverineRuntime wolverineRuntime) =>
        ValueTask.FromResult<IAgent>(new ChainIntegrationAgent(integrator, logger));

    public ValueTask<IReadOnlyList<Uri>> SupportedAgentsAsync() => ValueTask.FromResult<IReadOnlyList<Uri>>([AgentUri]);

    public ValueTask EvaluateAssignmentsAsync(AssignmentGrid assignments)
    {
        assignments.DistributeEvenly(AgentScheme);
        return ValueTask.CompletedTask;
    }
}

internal sealed class ChainIntegrationAgent(ChainIntegrator integrator, ILogger logger) : IAgent, IDisposable
{
    /// <summary>Pause between rounds when caught up: bounds the lag at idle.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private CancellationTokenSource? _stopping;
    private Task? _loop;

    public Uri Uri => ChainIntegrationAgentFamily.AgentUri;

    public AgentStatus Status { get; private set; } = AgentStatus.Stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        Status = AgentStatus.Running;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            await _stopping.CancelAsync();
        }

        if (_loop is not null)
        {
            await _loop.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        Status = AgentStatus.Stopped;
    }

    public void Dispose() => _stopping?.Dispose();

    private async Task RunAsync(CancellationToken ct)
    {
        logger.LogInformation("Audit chain integrator started on this node.");
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await integrator.IntegrateOnceAsync(ct) < ChainIntegrator.BatchSize)
                {
                    await Task.Delay(PollInterval, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The chain's state is in the database: the next round resumes where the last commit left it.
                logger.LogError(e, "Audit chain integration failed; retrying.");
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }
}
