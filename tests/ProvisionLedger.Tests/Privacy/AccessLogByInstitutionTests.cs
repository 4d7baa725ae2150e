using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>The access log by institution finds every read of that institution's records, whoever read them.</summary>
public sealed class AccessLogByInstitutionTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private async Task<AccessPage> ReadsOfAsync(string institutionCode, DateTimeOffset since) =>
        await (await api.As(Roles.Auditor).GetAsync(
            $"/api/v1/audit/access?institutionCode={institutionCode}&from={Uri.EscapeDataString(since.ToString("O"))}")).ReadJsonAsync<AccessPage>();

    [Theory]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    [InlineData(Roles.Nws)]
    public async Task A_read_of_a_records_history_is_logged_against_both_parties(string reader)
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);

        (await api.As(reader).GetAsync(ExchangeScenarios.HistoryRoute(exchangeId))).EnsureSuccessStatusCode();

        foreach (var party in new[] { api.Person.InquirerCode, api.Person.ProviderCode })
        {
            (await ReadsOfAsync(party, since)).Items.Should().Contain(
                r => r.Resource == "exchange-history" && r.Role == reader && r.Path == ExchangeScenarios.HistoryRoute(exchangeId),
                "the history of a record of {0} was read", party);
        }
    }

    [Fact]
    public async Task A_page_of_the_network_systems_copies_is_logged_against_each_institution_on_it()
    {
        await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);

        (await api.As(Roles.Auditor).GetAsync("/api/v1/parties/nws/records?pageSize=100")).EnsureSuccessStatusCode();

        (await ReadsOfAsync(api.Person.ProviderCode, since)).Items.Should().Contain(r => r.Resource.StartsWith("party-copies:") && r.RecordCount > 0);
    }
}
