using System.Net;
using System.Text.Json;
using Marten;
using Npgsql;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// The incident projections are deterministic: rebuilt from the events (as a ledger that predates them must do once,
/// ops/incidents.md), they give the documents the requests left.
/// </summary>
public sealed class RebuildingTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Theory]
    [InlineData("LinkedExchangeProjection", "mt_doc_linkedexchange")]
    [InlineData("LinkageRiskProjection", "mt_doc_linkagerisk")]
    [InlineData("IncidentProjection", "mt_doc_incident")]
    public async Task Rebuilding_from_the_events_gives_the_same_documents(string projection, string table)
    {
        var w = MyNumbers.Next();
        var a = LinkageScenarios.NewLocalRecordId();
        var b = LinkageScenarios.NewLocalRecordId();
        var wrong = (await api.LinkAsync(Institutions.Chiyoda, a, w, At(Jst("2025-04-01T10:00:00+09:00"), ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
        await api.LinkAsync(Institutions.Sapporo, b, w, At(Jst("2025-04-01T10:00:00+09:00")));
        (await api.Institution(Institutions.Chiyoda).PostJsonAsync($"/api/v1/linkages/{wrong}/verifications", new
        {
            method = "jlis-4-items", occurredAt = Jst("2025-05-15T10:00:00+09:00"), agreed = false, details = "不一致",
        })).StatusCode.Should().Be(HttpStatusCode.Created);
        var exchange = $"NWS-RB-{Guid.NewGuid():n}";
        await api.InquireAsync(exchange, Institutions.Chiyoda, Institutions.Sapporo, "74", "2", a, Jst("2025-05-01T09:00:00+09:00"));
        await api.ProvideAsync(exchange, Institutions.Sapporo, b, Jst("2025-05-01T09:00:01+09:00"));
        (await api.Institution(Institutions.Chiyoda).ConfirmMisLinkageAsync(wrong, Confirmation(Jst("2025-06-01T10:00:00+09:00"), MyNumbers.Next())))
            .StatusCode.Should().Be(HttpStatusCode.Created);
        var before = await DocumentsAsync(table);

        await ExecuteAsync($"delete from ledger.{table}");
        using (var daemon = await api.Store.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync(projection, CancellationToken.None);
        }

        var after = await DocumentsAsync(table);
        before.Should().NotBeEmpty();
        after.Should().Equal(before);
    }

    private async Task<List<string>> DocumentsAsync(string table)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand($"select id, data::text from ledger.{table} order by id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            // Parsed and written again so that key order inside jsonb does not matter.
            rows.Add(reader.GetString(0) + " " + JsonSerializer.Serialize(JsonDocument.Parse(reader.GetString(1))));
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
