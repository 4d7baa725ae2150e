using Marten;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using Wolverine;
using Wolverine.Http;
using Wolverine.Marten;

var builder = WebApplication.CreateBuilder(args);
if (ProductionGuard.Refusal(builder.Environment, builder.Configuration) is { } refusal)
{
    throw new StartupRefusedException(refusal);
}

builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
using var startupLogs = LoggerFactory.Create(l => l.AddConsole());
var startupLog = startupLogs.CreateLogger("ProvisionLedger");
var embedded = await EmbeddedLedger.PrepareAsync(builder.Configuration, startupLog);

builder.Services.AddSingleton(_ => LedgerOptions.From(builder.Configuration));
builder.Services.AddSingleton(_ => CodeRegistry.Load(builder.Configuration["Ledger:ReferenceData:Path"]));
builder.Services.AddSingleton<SubjectKeys>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<LedgerSessions>();
builder.Services.AddSingleton<CursorSealer>();
builder.Services.AddProblemDetails();
builder.Services.AddLedgerAuthentication();
builder.Services.AddLedgerRateLimits(builder.Configuration);
builder.Services.AddSingleton<RequestLimits>();
builder.Services.AddOpenApi();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));

builder.Services.AddMarten(sp => 
    {
        var opts = new StoreOptions();
        LedgerStore.Configure(opts, sp.GetRequiredService<IConfiguration>().GetConnectionString("Ledger")
            ?? throw new InvalidOperationException("ConnectionStrings:Ledger is not set."));
        return opts;
    })
    .UseLightweightSessions()
    .ApplyAllDatabaseChangesOnStartup()
    // Marten's HotCold daemon mode does not load with the forwarding DistributedLock package (see README);
    // Wolverine elects the leader that runs asynchronous projections instead.
    .IntegrateWithWolverine(x => x.UseWolverineManagedEventSubscriptionDistribution = true);

builder.AddLedgerAuditing();

builder.Host.UseWolverine(opts =>
{
    opts.Discovery.IncludeAssembly(typeof(Program).Assembly);
});
builder.Services.AddWolverineHttp();

var app = builder.Build();
if (embedded is not null)
{
    app.Lifetime.ApplicationStopped.Register(() => embedded.StopAsync().GetAwaiter().GetResult());
    app.Lifetime.ApplicationStarted.Register(() =>
        startupLog.LogInformation("{Tokens}", Auth.DescribeDevelopmentTokens(app.Services.GetRequiredService<LedgerOptions>().SigningKey)));
}

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
app.MapWolverineEndpoints(opts =>
{
    // A query value of the wrong type (pageSize=abc) is a 400 naming the parameter, never ignored.
    opts.RejectUnparseableQueryValues = true;
});

await app.RunAsync();

public partial class Program;
