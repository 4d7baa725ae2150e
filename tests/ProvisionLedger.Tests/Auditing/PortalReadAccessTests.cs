using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>A Mynaportal view is a read of the person's records: an auditor searching that person's reads finds it.</summary>
public sealed class PortalReadAccessTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task The_persons_access_log_holds_every_portal_view_with_who_viewed_and_how_many_records_were_shown()
    {
        var person = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt.AddDays(1));
        await api.SearchPortalAsync(person.MyNumber);
        await api.SearchPortalAsync(person.MyNumber, pageSize: 1, adjust: PortalScenarios.ByProxy("proxy-7"));

        var log = await (await api.As(Roles.Auditor).PostJsonAsync("/api/v1/audit/access/search", new { myNumber = person.MyNumber }))
            .ReadJsonAsync<AccessPage>();

        log.Items.Where(i => i.Role == Roles.Mynaportal).Should().BeEquivalentTo(new[]
        {
            new { Principal = "mynaportal:test", Route = PortalViews.Route, Resource = "mynaportal/records:proxy", RecordCount = 1 },
            new { Principal = "mynaportal:test", Route = PortalViews.Route, Resource = "mynaportal/records", RecordCount = 2 },
        });
    }

    [Fact]
    public async Task A_portal_view_is_not_in_another_persons_log()
    {
        var viewed = await api.LinkPersonAsync();
        var other = await api.LinkPersonAsync();
        await api.SearchPortalAsync(viewed.MyNumber);

        var log = await (await api.As(Roles.Auditor).PostJsonAsync("/api/v1/audit/access/search", new { myNumber = other.MyNumber }))
            .ReadJsonAsync<AccessPage>();

        log.Items.Should().NotContain(i => i.Role == Roles.Mynaportal);
    }
}
