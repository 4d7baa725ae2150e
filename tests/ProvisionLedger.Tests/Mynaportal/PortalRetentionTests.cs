using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>The ledger as the portal sees it seven years and two days from now: today's recordings are past the window.</summary>
public sealed class LedgerSevenYearsOn : ApiWithLinkedSubject
{
    public static readonly TimeSpan Ahead = TimeSpan.FromDays(365.25 * 7 + 2);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(new ShiftedClock(Ahead)));
    }

    private sealed class ShiftedClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}

/// <summary>
/// Mynaportal shows seven years back from the day of viewing (SPEC §7), counted from the later of a record's business
/// time and its recording time, so that nothing recorded late is hidden from the person by an early business time.
/// </summary>
public sealed class PortalRetentionTests(LedgerSevenYearsOn api) : IClassFixture<LedgerSevenYearsOn>
{
    [Fact]
    public async Task Records_recorded_and_dated_more_than_seven_years_before_the_day_of_viewing_are_not_shown()
    {
        var person = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        (await api.PortalRecordsAsync(person.MyNumber)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_record_whose_business_time_lies_within_the_seven_years_is_shown_though_recorded_earlier()
    {
        var person = await api.LinkPersonAsync();
        var withinWindow = DateTimeOffset.UtcNow.AddDays(30);

        await api.RecordExchangeAsync(person, withinWindow);

        (await api.PortalRecordsAsync(person.MyNumber)).Select(r => r.RequestedAt).Should().Equal(withinWindow);
    }
}
