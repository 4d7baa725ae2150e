using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Operations;

/// <summary>The service with the standard OTLP settings pointing at a collector of the test's own.</summary>
public sealed class TelemetryLedgerApi : LedgerApi
{
    public OtlpReceiver Collector { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("OTEL_EXPORTER_OTLP_ENDPOINT", Collector.Endpoint);
        builder.UseSetting("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

public sealed class TelemetryTests(TelemetryLedgerApi api) : IClassFixture<TelemetryLedgerApi>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Traces_and_metrics_reach_the_collector_within_30_seconds_of_traffic_and_carry_no_personal_identifier()
    {
        var person = await api.LinkPersonAsync();
        // A race the service handles: the same linkage from eight clients at once. The losers' failed commands are traced,
        // and the database's message names the stream, whose key holds the local record id.
        var raced = LinkageScenarios.NewLocalRecordId();
        var link = LinkageScenarios.LinkRequest(person.InquirerCode, raced, person.MyNumber);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.PostLinkAsync(person.InquirerCode, link)));
        var exchangeId = await api.MakeInquiryAsync(person);
        await api.ProvideAsync(person, exchangeId);
        await api.SearchPortalAsync(person.MyNumber);
        var subjectRef = api.Services.GetRequiredService<SubjectKeys>().SubjectRef(person.MyNumber);

        var watch = Stopwatch.StartNew();
        while (!Arrived() && watch.Elapsed < Patience)
        {
            await Task.Delay(250);
        }

        var (traceScopes, spans) = api.Collector.Spans();
        traceScopes.Should().Contain(["Microsoft.AspNetCore", "Npgsql"]);
        spans.Should().Contain(["POST /api/v1/linkages", "POST /api/v1/exchanges", "POST /api/v1/mynaportal/records/search"],
            "a request's span is named by its route template");
        var (meters, metrics) = api.Collector.Metrics();
        meters.Should().Contain(["ProvisionLedger", "Microsoft.AspNetCore.Hosting"]);
        metrics.Should().Contain(["ledger.exchanges.recorded", "ledger.portal.views", "http.server.request.duration"]);

        var exported = api.Collector.RawText;
        exported.Should().NotContain(person.MyNumber).And.NotContain(subjectRef)
            .And.NotContain(person.InquirerRecordId).And.NotContain(person.ProviderRecordId).And.NotContain(raced);
    }

    private bool Arrived() =>
        api.Collector.Spans().Names.Contains("POST /api/v1/mynaportal/records/search")
        && api.Collector.Metrics().Names.IsSupersetOf(["ledger.exchanges.recorded", "ledger.portal.views"]);
}
