using System.Collections.Concurrent;
using Marten;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Weasel.Postgresql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Liveness and readiness (<c>/health/live</c>, <c>/health/ready</c>), and a database that cannot be reached or written
/// answered as 503 with <c>Retry-After</c> on every route, with the connection pools cleared so the service reconnects
/// on its own once the database is back (a failed-over or read-only primary leaves healthy-looking pooled connections).
/// </summary>
public static class Health
{
    public const int RetryAfterSeconds = 5;

    public static WebApplicationBuilder AddLedgerHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DatabaseHealth>();
        builder.Services.AddSingleton<BackgroundWorkLag>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseHealth>());
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return builder;
    }

    public static WebApplication MapLedgerHealth(this WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" })).AllowAnonymous();
        app.MapGet("/health/ready", async (DatabaseHealth health, HttpContext context, CancellationToken ct) =>
        {
            var readiness = await health.CheckAsync(ct);
            if (!readiness.Ready)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
            }

            return Results.Json(readiness, statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
        return app;
    }
}

/// <summary>
/// Plain connections to the ledger database on the runtime login, beside Marten's (the auditing feature's): health
/// writes its heartbeat and measures lag through them, and clears them with the other pools.
/// </summary>
public interface IRuntimeDataSource
{
    NpgsqlDataSource DataSource { get; }
}

/// <summary>Whether a checkpoint key is configured: the service is not ready without one (the auditing feature's).</summary>
public interface ICheckpointKeyStatus
{
    bool CheckpointKeyConfigured { get; }
}

/// <summary>What <c>/health/ready</c> answers: each check's state, and whether all of them pass.</summary>
public sealed record Readiness(bool Ready, string Database, IReadOnlyDictionary<string, long> ProjectionLag, long? ChainLag, string CheckpointKey)
{
    public string Status => Ready ? "ready" : "unavailable";
}

/// <summary>
/// Checks the database accepts a write (a heartbeat row), that asynchronous projections and the audit chain keep up,
/// and that a checkpoint key is configured. Its own small pool with short timeouts, so a probe answers in seconds.
/// </summary>
public sealed class DatabaseHealth : IHostedService, IAsyncDisposable
{
    private const string HeartbeatTable = $"{LedgerStore.Schema}.ledger_heartbeat";

    private readonly NpgsqlDataSource _dataSource;
    private readonly IDocumentStore _store;
    private readonly IRuntimeDataSource _runtime;
    private readonly ICheckpointKeyStatus _checkpointKey;
    private readonly BackgroundWorkLag _lag;
    private readonly ILogger<DatabaseHealth> _logger;
    private readonly long _maxProjectionLag;
    private readonly long _maxChainLag;

    public DatabaseHealth(IConfiguration configuration, IDocumentStore store, IRuntimeDataSource runtime, ICheckpointKeyStatus checkpointKey,
        BackgroundWorkLag lag, ILogger<DatabaseHealth> logger)
    {
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Ledger")) { Timeout = 3, CommandTimeout = 5, MaxPoolSize = 2 };
        _dataSource = NpgsqlDataSource.Create(connection);
        _store = store;
        _runtime = runtime;
        _checkpointKey = checkpointKey;
        _lag = lag;
        _logger = logger;
        _maxProjectionLag = configuration.GetValue("Ledger:Health:MaxProjectionLag", 10_000L);
        _maxChainLag = configuration.GetValue("Ledger:Health:MaxChainLag", 10_000L);
    }

    public async Task<Readiness> CheckAsync(CancellationToken ct)
    {
        var checkpointKey = _checkpointKey.CheckpointKeyConfigured ? "configured" : "missing";
        string database;
        try
        {
            await using var beat = _dataSource.CreateCommand(
                $"insert into {HeartbeatTable} (node, beat) values (@node, now()) on conflict (node) do update set beat = excluded.beat");
            beat.Parameters.AddWithValue("node", Environment.MachineName);
            await beat.ExecuteNonQueryAsync(ct);
            database = "writable";
        }
        catch (Exception e) when (DatabaseUnavailable.Classify(e) is { } reason)
        {
            ClearPools(reason);
            return new Readiness(false, reason.Description, new Dictionary<string, long>(), null, checkpointKey);
        }

        var (projections, chain) = await _lag.MeasureAsync(_dataSource, ct);
        var ready = checkpointKey == "configured"
            && projections.Values.All(l => l <= _maxProjectionLag)
            && (chain is null || chain <= _maxChainLag);
        return new Readiness(ready, database, projections, chain, checkpointKey);
    }

    /// <summary>Drops every pooled connection, so the next ones go to the database as it is now (after a failover too).</summary>
    public void ClearPools(UnavailableReason reason)
    {
        if (!reason.ClearsPools)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        (_store.Storage.Database as PostgresqlDatabase)?.DataSource.Clear();
        _runtime.DataSource.Clear();
        _dataSource.Clear();
        _logger.LogWarning("The database is {Reason}: connection pools cleared.", reason.Description);
    }

    public static async Task ApplyHeartbeatTableAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        // The runtime login may create nothing when an owner login applies the schema (AuditSchemaInstaller creates it then).
        await using (var exists = dataSource.CreateCommand($"select to_regclass('{HeartbeatTable}') is not null"))
        {
            if ((bool)(await exists.ExecuteScalarAsync(ct))!)
            {
                return;
            }
        }

        await using var command = dataSource.CreateCommand(
            $"create schema if not exists {LedgerStore.Schema}; " +
            $"create table if not exists {HeartbeatTable} (node text primary key, beat timestamptz not null)");
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task AssertHeartbeatTableAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select to_regclass('{HeartbeatTable}') is not null");
        if (!(bool)(await command.ExecuteScalarAsync(ct))!)
        {
            throw new InvalidOperationException($"{HeartbeatTable} is missing: run db-apply.");
        }
    }

    /// <summary>Creates the heartbeat table at start-up, before the service serves (no DDL after).</summary>
    public Task StartAsync(CancellationToken cancellationToken) => ApplyHeartbeatTableAsync(_runtime.DataSource, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}

/// <summary>
/// How far background work trails the event log: each asynchronous projection (events after its last position), and
/// the audit chain (events after the last one chained; zero while the chain is extended in the appending transaction).
/// The latest figures are kept for the metrics.
/// </summary>
public sealed class BackgroundWorkLag
{
    private const string Events = $"{LedgerStore.Schema}.mt_events";

    public ConcurrentDictionary<string, long> LatestProjectionLag { get; } = new();

    public long? LatestChainLag { get; private set; }

    public async Task<(IReadOnlyDictionary<string, long> Projections, long? Chain)> MeasureAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var projections = new Dictionary<string, long>();
        await using (var progress = dataSource.CreateCommand(
                         $"select p.name, greatest(coalesce((select max(seq_id) from {Events}), 0) - p.last_seq_id, 0) " +
                         $"from {LedgerStore.Schema}.mt_event_progression p where p.name <> 'HighWaterMark'"))
        await using (var reader = await progress.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                projections[reader.GetString(0)] = reader.GetInt64(1);
                LatestProjectionLag[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        try
        {
            await using var chain = dataSource.CreateCommand(
                $"select count(*) from {Events} where seq_id > coalesce((select max(seq_id) from {LedgerStore.Schema}.audit_chain), 0)");
            LatestChainLag = (long)(await chain.ExecuteScalarAsync(ct))!;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn)
        {
            LatestChainLag = null;
        }

        return (projections, LatestChainLag);
    }
}

/// <summary>Why the database cannot serve; whether pooled connections are suspect (read-only, failed over, gone).</summary>
public sealed record UnavailableReason(string Description, bool ClearsPools);

public static class DatabaseUnavailable
{
    /// <summary>
    /// A database that cannot be reached (connection refused, timed out, shutting down, starting up, too many connections)
    /// or written (read-only transaction, a standby); null for any other failure.
    /// </summary>
    public static UnavailableReason? Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction }:
                    return new UnavailableReason("read-only", ClearsPools: true);
                case PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }:
                    return new UnavailableReason("shutting down or starting", ClearsPools: true);
                case PostgresException { SqlState: PostgresErrorCodes.TooManyConnections }:
                    return new UnavailableReason("out of connections", ClearsPools: false);
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal):
                    return new UnavailableReason("unreachable", ClearsPools: true);
                case PostgresException:
                    return null;
                case NpgsqlException { IsTransient: true }:
                    return new UnavailableReason("unreachable", ClearsPools: true);
                // A multi-host connection string (a primary and its standbys) whose hosts are all down or none primary:
                // Npgsql says so with this exception and nothing inside it, between a primary's loss and a promotion.
                case NpgsqlException { InnerException: null } noHost when noHost.Message.StartsWith("No suitable host", StringComparison.Ordinal):
                    return new UnavailableReason("without a primary", ClearsPools: true);
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    return aggregate.InnerExceptions.Select(Classify).FirstOrDefault(r => r is not null);
            }
        }

        return null;
    }
}

/// <summary>Answers any request that met an unavailable database with 503, <c>Retry-After</c> and a problem.</summary>
public sealed class DatabaseUnavailableHandler(DatabaseHealth health, IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (DatabaseUnavailable.Classify(exception) is not { } reason)
        {
            return false;
        }

        health.ClearPools(reason);
        logger.LogWarning("A request met an unavailable database ({Reason}): answered 503.", reason.Description);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = Health.RetryAfterSeconds.ToString();
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = StatusCodes.Status503ServiceUnavailable, Title = "The ledger's database is unavailable; try again shortly." },
        });
    }
}
