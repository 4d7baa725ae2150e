using System.Net;
using System.Text.Json.Nodes;
using Marten;
using Marten.Events;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// ReadModelRebuild: every read model deleted and rebuilt from the events, set-based page by page, answers the read
/// routes exactly as the inline and asynchronous projections had built them.
/// </summary>
public sealed class ReadModelRebuildTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private sealed record Reads(
        List<PartyCopy> Nws, List<PartyCopy> Inquirer, List<PartyCopy> Provider, List<PortalRecord> Portal, List<PortalRecord> Protected,
        string Usage, string History);

    private async Task<Reads> ReadAsync(LinkedPerson person, LinkedPerson protectedPerson, string exchangeId)
    {
        await api.Store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        var usage = await api.As(Roles.Auditor).GetAsync("/api/v1/statistics/usage");
        await usage.ShouldBeAsync(HttpStatusCode.OK, "the auditor reads the statistics");
        return new Reads(
            await api.As(Roles.Nws).AllAsync(PartyScenarios.NwsRecords, pageSize: 4),
            await api.Institution(person.InquirerCode).AllAsync(PartyScenarios.InstitutionRecords(person.InquirerCode, "inquirer"), pageSize: 4),
            await api.Institution(person.ProviderCode).AllAsync(PartyScenarios.InstitutionRecords(person.ProviderCode, "provider"), pageSize: 4),
            [.. (await api.WalkPortalAsync(person.MyNumber, pageSize: 3)).SelectMany(p => p.Items)],
            [.. (await api.WalkPortalAsync(protectedPerson.MyNumber, pageSize: 3)).SelectMany(p => p.Items)],
            await usage.Content.ReadAsStringAsync(),
            await api.As(Roles.Auditor).GetStringAsync(ExchangeScenarios.HistoryRoute(exchangeId)));
    }

    [Fact]
    public async Task A_rebuild_from_the_events_gives_the_same_copies_portal_view_statistics_and_history()
    {
        var person = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        var protectedPerson = await api.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        await api.ProtectAsync(protectedPerson.MyNumber);
        var corrected = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        await api.Institution(person.InquirerCode).AppendCorrectionAsync(corrected, ExchangeScenarios.CorrectionRequest("宛名番号の誤り"));
        var marked = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt.AddDays(1));
        await api.Institution(person.ProviderCode).MarkNonDisclosedAsync(marked);
        await api.MakeInquiryAsync(person, ExchangeScenarios.RequestedAt.AddDays(2));
        await api.RecordExchangeAsync(protectedPerson, ExchangeScenarios.RequestedAt.AddDays(3));
        var batch = new JsonObject
        {
            ["records"] = new JsonArray([.. Enumerable.Range(4, 5).Select(day => (JsonNode)new JsonObject
            {
                ["inquiry"] = ExchangeScenarios.InquiryRequest(person, requestedAt: ExchangeScenarios.RequestedAt.AddDays(day)),
                ["provision"] = ExchangeScenarios.ProvisionRequest(person, ExchangeScenarios.RequestedAt.AddDays(day).AddMinutes(1)),
            })]),
        };
        await (await api.As(Roles.Nws).PostJsonAsync("/api/v1/exchanges/batch", batch)).ShouldBeAsync(HttpStatusCode.Created, "the batch is recorded");
        var before = await ReadAsync(person, protectedPerson, corrected);

        await using var owner = Npgsql.NpgsqlDataSource.Create(api.Database.Owner);
        var rebuilt = await ReadModelRebuild.RunAsync(api.Store, owner, eventsPerPage: 7);

        rebuilt.Events.Should().BeGreaterThan(20, "every event is replayed, in pages smaller than the history");
        var after = await ReadAsync(person, protectedPerson, corrected);
        after.Should().BeEquivalentTo(before, o => o.WithStrictOrdering());
        before.Portal.Should().HaveCount(7, "the marked record stays hidden, the others show");
        before.Protected.Should().BeEmpty("a protected person's records leave no trace in the portal view");
        before.Nws.Should().Contain(c => c.ExchangeId == corrected && c.Corrections.Count == 1);
        (await ReconciliationRequests.ReconcileAsync(api)).Consistent.Should().BeTrue("the rebuilt copies equal their replay from the events");
    }
}
