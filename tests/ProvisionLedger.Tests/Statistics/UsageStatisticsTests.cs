using System.Globalization;
using System.Net;
using Marten;
using Marten.Events;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Statistics;

public sealed record UsageRowAnswer(string ProcedureCode, string ProcedureName, string InquirerCode, string InquirerName, string Month, long Inquiries);

public sealed record UsageAnswer(List<UsageRowAnswer> Items);

/// <summary>GET /api/v1/statistics/usage: inquiries per procedure × inquirer × month, counted by the asynchronous projection.</summary>
public sealed class UsageStatisticsTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    private async Task<UsageAnswer> UsageAsync(HttpClient client, string query)
    {
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        var response = await client.GetAsync($"/api/v1/statistics/usage{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<UsageAnswer>();
    }

    [Fact]
    public async Task Inquiries_are_counted_per_procedure_inquirer_and_japan_time_month_and_an_institution_sees_only_its_own()
    {
        var ours = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        var theirs = await api.LinkPersonAsync(Institutions.Shinjuku, Institutions.Sapporo);
        await api.RecordExchangeAsync(ours, At("2025-06-10T10:00:00+09:00"));
        await api.MakeInquiryAsync(ours, At("2025-06-30T23:30:00+09:00"));
        await api.MakeInquiryAsync(ours, At("2025-07-01T00:30:00+09:00")); // still June 30 in UTC
        await api.RecordExchangeAsync(theirs, At("2025-06-15T10:00:00+09:00"));

        var all = await UsageAsync(api.As(Roles.Auditor), "?from=2025-06&to=2025-07");
        var own = await UsageAsync(api.Institution(Institutions.Chiyoda), "?from=2025-06&to=2025-07");

        all.Items.Select(r => (r.InquirerCode, r.Month, r.Inquiries)).Should().Equal(
            (Institutions.Chiyoda, "2025-06", 2L), (Institutions.Shinjuku, "2025-06", 1L), (Institutions.Chiyoda, "2025-07", 1L));
        all.Items.Should().OnlyContain(r => r.ProcedureCode == ExchangeScenarios.ChildAllowance && r.ProcedureName.Length > 0);
        own.Items.Select(r => (r.InquirerCode, r.Month, r.Inquiries)).Should().Equal((Institutions.Chiyoda, "2025-06", 2L), (Institutions.Chiyoda, "2025-07", 1L));
    }

    [Fact]
    public async Task An_institution_asking_for_another_institutions_usage_gets_404_and_a_bad_month_gets_400_naming_it()
    {
        (await api.Institution(Institutions.Sapporo).GetAsync($"/api/v1/statistics/usage?inquirerCode={Institutions.Chiyoda}"))
            .StatusCode.Should().Be(HttpStatusCode.NotFound);

        var bad = await api.As(Roles.Auditor).GetAsync("/api/v1/statistics/usage?from=2025-13");

        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.ReadProblemAsync()).Errors.Should().ContainKey("from");
    }
}
