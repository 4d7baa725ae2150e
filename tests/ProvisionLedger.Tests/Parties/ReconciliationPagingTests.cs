using System.Net;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Parties.Reconciling;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// Reconciliation bounded per call (issue 12, finding 5): a call checks a range of exchange streams and answers a
/// nextCursor; the calls together check every exchange once and find what one call over everything would find.
/// </summary>
public sealed class ReconciliationPagingTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private async Task<ReconciliationReport> CallAsync(string query)
    {
        var response = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/parties/reconciliation{query}", UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, "a part of the reconciliation is answered");
        return await response.ReadJsonAsync<ReconciliationReport>();
    }

    [Fact]
    public async Task Calls_of_two_streams_cover_every_exchange_once_and_find_a_missing_copy_in_a_later_range()
    {
        var exchanges = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            exchanges.Add(await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(i)));
        }

        var last = exchanges.Order(StringComparer.Ordinal).Last();
        await using (var connection = await api.OpenAsync())
        await using (var delete = new NpgsqlCommand($"delete from {LedgerStore.Schema}.mt_doc_providerrecord where id = @id", connection))
        {
            delete.Parameters.AddWithValue("id", last);
            (await delete.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var parts = new List<ReconciliationReport> { await CallAsync("?streams=2") };
        while (parts[^1].NextCursor is { } cursor)
        {
            parts.Add(await CallAsync($"?streams=2&cursor={Uri.EscapeDataString(cursor)}"));
        }

        var whole = await CallAsync("");
        whole.NextCursor.Should().BeNull();
        parts.Should().HaveCount((int)Math.Ceiling(whole.ExchangesChecked / 2.0));
        parts.Should().OnlyContain(p => p.ExchangesChecked <= 2);
        parts.Sum(p => p.ExchangesChecked).Should().Be(whole.ExchangesChecked).And.BeGreaterThanOrEqualTo(5);
        parts.SelectMany(p => p.Divergences).Should().BeEquivalentTo(whole.Divergences);
        whole.Divergences.Should().ContainEquivalentOf(new Divergence(last, "missing-copy", "provider", "*", null, null));
    }

    [Fact]
    public async Task A_cursor_from_a_call_of_another_size_is_a_400_naming_cursor()
    {
        for (var i = 0; i < 3; i++)
        {
            await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddDays(1).AddHours(i));
        }

        var cursor = (await CallAsync("?streams=1")).NextCursor!;
        var response = await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/parties/reconciliation?streams=2&cursor={cursor}", UriKind.Relative));

        (await response.ReadProblemAsync()).ShouldName("cursor");
    }
}
