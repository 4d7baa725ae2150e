using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Operations;

public sealed class RequestLogTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task Each_request_is_logged_once_by_method_route_template_and_status_without_its_values()
    {
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.MakeInquiryAsync(person);
        await api.ProvideAsync(person, exchangeId);
        await api.SearchPortalAsync(person.MyNumber);

        var requests = api.Logs.Lines.Where(l => l.Contains("ProvisionLedger.Requests", StringComparison.Ordinal)).ToList();
        requests.Should().ContainSingle(l => l.Contains("POST /api/v1/exchanges/{exchangeId}/provision 201", StringComparison.Ordinal));
        requests.Should().ContainSingle(l => l.Contains("POST /api/v1/mynaportal/records/search 200", StringComparison.Ordinal));
        requests.Where(l => l.Contains("POST /api/v1/linkages 201", StringComparison.Ordinal)).Should().HaveCount(2);
        api.Logs.Lines.Should().NotContain(l => l.Contains(person.MyNumber, StringComparison.Ordinal)
            || l.Contains(person.InquirerRecordId, StringComparison.Ordinal) || l.Contains(exchangeId, StringComparison.Ordinal));
    }
}
