using JasperFx;
using Marten;
using ProvisionLedger.Api;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Infrastructure.OpenApi;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

var builder = WebApplication.CreateBuilder(args);
if (LedgerCommands.NeedsDatabase(args) && ProductionGuard.Refusal(builder.Environment, builder.Configuration) is { } refusal)
{
    throw new StartupRefusedException(refusal);
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
using var startupLogs = LoggerFactory.Create(l => l.AddConsole());
var startupLog = startupLogs.CreateLogger("ProvisionLedger");
var embedded = LedgerCommands.NeedsDatabase(args) ? await EmbeddedLedger.PrepareAsync(builder.Configuration, startupLog) : null;
builder.AddLedgerCritterStack(args);
builder.AddLedgerHealth();
builder.AddLedgerTelemetry();

builder.Services.AddSingleton(_ => LedgerOptions.From(builder.Configuration));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<LedgerSessions>();
builder.Services.AddSingleton<LedgerWrites>();
builder.Services.AddSingleton<GroupCommit>();
builder.Services.AddSingleton<StandbyReads>();
builder.Services.AddSingleton<CursorSealer>();
builder.Services.AddSingleton<Keyset>();
builder.Services.AddSingleton<ContentSecurityPolicy>();
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = QueryValueProblems.NameInErrors);
builder.Services.AddLedgerAuthentication();
builder.Services.AddLedgerRateLimits(builder.Configuration);
builder.Services.AddSingleton<RequestLimits>();
builder.Services.AddOpenApi(o => o.AddLedgerContract(ProvisionLedger.Api.ApiContract.Table));
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

builder.Services.AddMarten(sp => 
    {
        var opts = new StoreOptions();
        LedgerFeatures.ConfigureStore(opts, LedgerStore.ForService(sp.GetRequiredService<IConfiguration>().GetConnectionString("Ledger")
            ?? throw new InvalidOperationException("ConnectionStrings:Ledger is not set.")));
        opts.AutoCreateSchemaObjects = AutoCreate.None; // applied at start-up and by db-apply, never while serving
        return opts;
    })
    .UseLightweightSessions()
    .ApplyAllDatabaseChangesOnStartup()
    // Marten's HotCold daemon mode does not load with the forwarding DistributedLock package (see README);
    // Wolverine elects the leader that runs asynchronous projections instead.
    // Wolverine's tables would follow Marten's AutoCreate.None; Wolverine builds them at start-up only.
    .IntegrateWithWolverine(x =>
    {
        x.UseWolverineManagedEventSubscriptionDistribution = true;
        x.AutoCreate = AutoCreate.CreateOrUpdate;
    });

builder.AddLedgerFeatures();
builder.AddLedgerDatabaseCommands();

var nodes = NodeSettings.From(builder.Configuration);
builder.Host.UseWolverine(opts =>
{
    opts.Discovery.IncludeAssembly(typeof(Program).Assembly);
    nodes.ApplyTo(opts.Durability);
});
builder.Services.AddWolverineHttp();
if (LedgerCommands.GeneratingDocument)
{
    LedgerCommands.RemoveBackgroundWork(builder.Services);
}

var app = builder.Build();
if (embedded is not null)
{
    app.Lifetime.ApplicationStopped.Register(() => embedded.StopAsync().GetAwaiter().GetResult());
    app.Lifetime.ApplicationStarted.Register(() =>
        startupLog.LogInformation("{Tokens}", Auth.DescribeDevelopmentTokens(app.Services.GetRequiredService<LedgerOptions>().SigningKey)));
}

// Wolverine's node tables (wolverine_nodes, wolverine_node_assignments) name nodes by this id: say which process it is.
if (!LedgerCommands.GeneratingDocument)
{
    app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ProvisionLedger.Nodes").LogInformation(
        "Ledger node {NodeId} started (process {ProcessId}, {Urls})",
        app.Services.GetRequiredService<WolverineOptions>().UniqueNodeId, Environment.ProcessId, string.Join(' ', app.Urls)));
}

app.UseLedgerRequestLog();
app.UseSecurityHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRelativeFolderRedirects(app.Environment);
app.UseLedgerWebPages();
app.UseMiddleware<RequestLimits>();
app.UseFailedAuthenticationLimit();
app.UseAuthentication();
app.UseLedgerRateLimits();
app.UseAuthorization();
app.UseIdentifierRouteValues();
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapGet("/health", async (IDocumentStore store, CancellationToken ct) =>
{
    await using var session = store.QuerySession();
    await session.QueryAsync<int>("select 1", ct);
    return Results.Ok(new { status = "ok" });
}).AllowAnonymous();
app.MapLedgerHealth();
app.MapWolverineEndpoints(opts =>
{
    // A query value of the wrong type (pageSize=abc) is a 400 naming the parameter, never ignored.
    opts.RejectUnparseableQueryValues = true;
    opts.UseLedgerEndpointParameters();
});

if (LedgerCommands.GeneratingDocument)
{
    // The document generator passes its own arguments and stops the host once it has read the document.
    await app.RunAsync();
    return 0;
}

return await app.RunJasperFxCommands(args);

public partial class Program;
