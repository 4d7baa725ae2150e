using System.Diagnostics;
using System.Diagnostics.Metrics;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Traces and metrics of ASP.NET Core, Npgsql, Marten, Wolverine and the ledger's own meter, exported over OTLP when the
/// standard <c>OTEL_EXPORTER_OTLP_*</c> settings name an endpoint; structured JSON console logs when
/// <c>Ledger:Logging:Json</c> is true; one log line per request. No attribute or log line carries a My Number, a
/// <c>subjectRef</c> or a local record id: requests are logged and traced by route template, database commands by their
/// text (Npgsql never records parameter values), and Marten's failures without their parameters.
/// </summary>
public static class Telemetry
{
    /// <summary>The ledger's own meter; other features add their instruments to the same name.</summary>
    public const string MeterName = "ProvisionLedger";

    public static readonly Meter Meter = new(MeterName);

    public static readonly Counter<long> ConcurrencyConflicts =
        Meter.CreateCounter<long>("ledger.concurrency.conflicts", "{conflict}", "Writes that lost a race for a stream at commit (the request then decides again).");

    /// <summary>
    /// Sources and meters exported: Marten's and Wolverine's (Wolverine's meter is named <c>Wolverine:{service}</c>).
    /// </summary>
    private static readonly string[] Sources = ["Marten", "Wolverine"];

    public static WebApplicationBuilder AddLedgerTelemetry(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue("Ledger:Logging:Json", false))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }

        builder.Services.AddSingleton<IConfigureMarten, LedgerMartenTelemetry>();
        builder.Services.AddHostedService<BackgroundWorkLagGauges>();

        if (!ExportsOtlp(builder.Configuration))
        {
            return builder;
        }

        _ = ExceptionMessages.Redacted;

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "provision-ledger"))
            .WithTracing(t => t
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !context.Request.Path.StartsWithSegments("/health");
                    o.EnrichWithHttpResponse = (activity, response) => NameByRoute(activity, response.HttpContext);
                })
                .AddNpgsql()
                .AddSource(Sources)
                .AddProcessor(new ScrubAttributes())
                .AddOtlpExporter())
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(MeterName, "Marten", "Wolverine*")
                .AddOtlpExporter((_, reader) =>
                {
                    // The SDK's default is a minute; metrics should reach a collector within seconds of the traffic.
                    if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"]))
                    {
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 10_000;
                    }
                }));
        return builder;
    }

    /// <summary>Counts each committed event of a type on a feature's counter (on <see cref="Meter"/>).</summary>
    public static IServiceCollection CountCommitted<TEvent>(this IServiceCollection services, Counter<long> counter) =>
        services.AddSingleton(new CommittedEventMetric(typeof(TEvent), counter));

    /// <summary>One line per request: method, route template, status and time; never the path's values or the query.</summary>
    public static WebApplication UseLedgerRequestLog(this WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ProvisionLedger.Requests");
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            // Routing has run before any middleware here: the endpoint (and its template) is known now, and the exception
            // handler clears it later.
            var route = Route(context);
            try
            {
                await next(context);
            }
            finally
            {
                log.LogInformation("{Method} {Route} {StatusCode} {ElapsedMs:0.0} ms",
                    context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }

    private static readonly string[] EndpointSettings = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    public static bool ExportsOtlp(IConfiguration configuration) => EndpointSettings.Any(key => !string.IsNullOrWhiteSpace(configuration[key]));

    private static string Route(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint endpoint ? "/" + endpoint.RoutePattern.RawText?.TrimStart('/')
        : context.Request.Path.StartsWithSegments("/api") ? "(no route)" : "(static)";

    private static void NameByRoute(Activity activity, HttpContext context)
    {
        activity.DisplayName = $"{context.Request.Method} {Route(context)}";
    }

    /// <summary>
    /// Recorded exceptions (Npgsql records every failed command's) keep their type and lose their message and stack
    /// trace: a lost race's message names the stream, and a linkage stream's key holds a local record id. A listener's
    /// exception recorder supplies those two attributes first, so the runtime does not add the real ones.
    /// </summary>
    private static class ExceptionMessages
    {
        public static readonly ActivityListener Redacted = Register();

        private static ActivityListener Register()
        {
            var listener = new ActivityListener
            {
                ShouldListenTo = _ => true,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.None,
                ExceptionRecorder = (Activity _, Exception exception, ref TagList tags) =>
                {
                    tags.Add("exception.message", exception.GetType().Name);
                    tags.Add("exception.stacktrace", "");
                },
            };
            ActivitySource.AddActivityListener(listener);
            return listener;
        }
    }

    /// <summary>
    /// Drops the attributes that carry request values (the raw path and query, which for a mistyped route could hold
    /// anything) and any recorded exception message (Marten's conflict messages name the stream, whose key holds a local
    /// record id); the route template, method and status stay.
    /// </summary>
    private sealed class ScrubAttributes : OpenTelemetry.BaseProcessor<Activity>
    {
        private static readonly string[] Dropped = ["url.path", "url.query", "url.full", "http.target", "http.url", "db.query.parameter", "exception.message", "exception.stacktrace"];

        public override void OnEnd(Activity data)
        {
            foreach (var tag in Dropped)
            {
                if (data.GetTagItem(tag) is not null)
                {
                    data.SetTag(tag, null);
                }
            }

            if (data.Status == ActivityStatusCode.Error && !string.IsNullOrEmpty(data.StatusDescription))
            {
                data.SetStatus(ActivityStatusCode.Error);
            }
        }
    }
}

/// <summary>A feature's counter of one committed event type (inquiries recorded, portal views).</summary>
public sealed record CommittedEventMetric(Type EventType, Counter<long> Counter);

/// <summary>
/// Marten's part: its event-append counter, the features' counters of committed events, and a logger that never
/// writes a command's parameters, and counts a lost append race (handled by deciding again) and logs it at Debug, not as
/// an error.
/// </summary>
public sealed class LedgerMartenTelemetry(ILoggerFactory logs, IEnumerable<CommittedEventMetric> metrics) : IConfigureMarten
{
    public void Configure(IServiceProvider services, StoreOptions options)
    {
        options.OpenTelemetry.TrackEventCounters();
        options.Listeners.Add(new CommittedEventCounter(metrics.ToDictionary(m => m.EventType, m => m.Counter)));
        options.Logger(new LedgerMartenLogger(logs.CreateLogger<IDocumentStore>()));
    }

    private sealed class CommittedEventCounter(Dictionary<Type, Counter<long>> counters) : DocumentSessionListenerBase
    {
        public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
        {
            foreach (var e in commit.GetEvents())
            {
                if (counters.TryGetValue(e.Data.GetType(), out var counter))
                {
                    counter.Add(1);
                }
            }

            return Task.CompletedTask;
        }
    }
}

public sealed class LedgerMartenLogger(ILogger logger) : IMartenLogger, IMartenSessionLogger
{
    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Schema changed: {Sql}", sql);

    public void LogSuccess(NpgsqlCommand command)
    {
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
    }

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failure(ex);

    public void LogFailure(NpgsqlBatch batch, Exception ex) => Failure(ex);

    public void LogFailure(Exception ex, string message) => Failure(ex);

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    /// <summary>The failure's kind and SQLSTATE only: Marten's messages and parameters can name a stream, whose key may hold a local record id.</summary>
    private void Failure(Exception ex)
    {
        var sqlState = (ex as PostgresException ?? ex.InnerException as PostgresException)?.SqlState;
        // Streams are keyed by natural keys: a unique violation is a request that lost the race to open a stream, and
        // Marten's MT003 one that lost the race to append to it.
        if (Concurrency.IsConflict(ex) || sqlState is PostgresErrorCodes.UniqueViolation or "MT003")
        {
            Telemetry.ConcurrencyConflicts.Add(1);
            logger.LogDebug("An append lost a race for its stream ({Exception}, SQLSTATE {SqlState}); the request decides again.", ex.GetType().Name, sqlState);
        }
        else if (DatabaseUnavailable.Classify(ex) is { } reason)
        {
            logger.LogWarning("A database command failed: the database is {Reason} ({Exception}, SQLSTATE {SqlState}).", reason.Description, ex.GetType().Name, sqlState);
        }
        else
        {
            logger.LogError("A database command failed ({Exception}, SQLSTATE {SqlState}).", ex.GetType().Name, sqlState);
        }
    }
}

/// <summary>Keeps the projection and chain lag figures fresh for the gauges: <c>ledger.projection.lag</c>, <c>ledger.chain.lag</c>.</summary>
public sealed class BackgroundWorkLagGauges : BackgroundService
{
    private readonly BackgroundWorkLag _lag;
    private readonly IRuntimeDataSource _runtime;
    private readonly ILogger<BackgroundWorkLagGauges> _logger;

    public BackgroundWorkLagGauges(BackgroundWorkLag lag, IRuntimeDataSource runtime, IMeterFactory meters, ILogger<BackgroundWorkLagGauges> logger)
    {
        _lag = lag;
        _runtime = runtime;
        _logger = logger;
        var meter = meters.Create(Telemetry.MeterName);
        meter.CreateObservableGauge("ledger.projection.lag",
            () => _lag.LatestProjectionLag.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("projection", p.Key))),
            "{event}", "Events appended that an asynchronous projection has not processed yet.");
        meter.CreateObservableGauge("ledger.chain.lag",
            () => _lag.LatestChainLag is { } chain ? [new Measurement<long>(chain)] : Array.Empty<Measurement<long>>(),
            "{event}", "Events appended that the audit chain has not linked yet.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        do
        {
            try
            {
                await _lag.MeasureAsync(_runtime.DataSource, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogDebug("Background work lag not measured: {Exception}.", e.GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
