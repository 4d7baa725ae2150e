using System.Diagnostics.Metrics;
using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Operations;

public sealed class ConflictLogTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task A_lost_append_race_the_service_handles_is_counted_and_never_logged_as_an_error()
    {
        long conflicts = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName && instrument.Name == "ledger.concurrency.conflicts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref conflicts, value));
        listener.Start();
        var person = await api.LinkPersonAsync();

        // The same inquiry from eight clients at once: all but one lose the race to open the stream and decide again.
        for (var round = 0; round < 10 && Interlocked.Read(ref conflicts) == 0; round++)
        {
            var request = ExchangeScenarios.InquiryRequest(person);
            var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => api.Institution(person.InquirerCode).PostInquiryAsync(request)));
            responses.Select(r => r.StatusCode).Should().OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        }

        Interlocked.Read(ref conflicts).Should().BePositive("concurrent identical inquiries race for one stream");
        api.Logs.Lines.Should().NotContain(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal));
        api.Logs.Lines.Should().NotContain(l => l.Contains(person.InquirerRecordId, StringComparison.Ordinal));
    }
}
