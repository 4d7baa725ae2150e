using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using ProvisionLedger.Api.Auditing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// The exchange read models are stored compactly (bench/README.md, "Storage"): no null members, no members derived from
/// others, no empty lists, none of Marten's informational columns. What a party or a person reads is unchanged.
/// </summary>
public sealed class CompactStorageTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static readonly string[] ExchangeTables =
        ["mt_doc_nwsrecord", "mt_doc_inquirerrecord", "mt_doc_providerrecord", "mt_doc_portalentry", "mt_doc_linkedexchange", "mt_doc_usagecount"];

    private async Task<JsonObject> StoredAsync(string table, string column, string exchangeId)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand($"select data::text from {LedgerStore.Schema}.{table} where {column} = @id", connection);
        command.Parameters.AddWithValue("id", exchangeId);
        return JsonNode.Parse((string)(await command.ExecuteScalarAsync())!)!.AsObject();
    }

    [Fact]
    public async Task A_copy_and_a_portal_entry_keep_only_what_is_not_derived_and_read_back_whole()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(5));

        foreach (var table in new[] { "mt_doc_nwsrecord", "mt_doc_inquirerrecord", "mt_doc_providerrecord" })
        {
            var stored = await StoredAsync(table, "id", exchangeId);
            stored.Select(p => p.Key).Should().Contain(["id", "requestedAt", "providedAt", "result"])
                .And.NotContain(["exchangeId", "sortKey", "nonDisclosed", "corrections", "nonDisclosures", "errorCode"],
                    "the id is the exchange id, the sort key and the mark's state follow from other members, and nulls and empty lists are left out");
            stored.Where(p => p.Value is null).Should().BeEmpty("null members are not stored");
        }

        var entry = await StoredAsync("mt_doc_portalentry", "exchange_id", exchangeId);
        entry.Select(p => p.Key).Should().Contain(["subjectRef", "exchangeId", "sortKey", "nonDisclosed", "recordedAt"])
            .And.NotContain(["id", "retentionKey", "corrections", "activeMarks", "persons"], "the entry names only its own person");

        var copy = await api.NwsCopyAsync(exchangeId);
        copy.Should().BeEquivalentTo(new
        {
            ExchangeId = exchangeId, Result = "provided", NonDisclosed = false, Corrections = Array.Empty<PartyCorrection>(),
            RequestedAt = ExchangeScenarios.RequestedAt.AddHours(5),
        });
        (await api.InquirerCopyAsync(api.Person, exchangeId)).ExchangeId.Should().Be(exchangeId);
    }

    [Fact]
    public async Task A_mark_and_a_correction_are_stored_and_read_back()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(6));
        var inquirer = api.Institution(api.Person.InquirerCode);
        await inquirer.MarkNonDisclosedAsync(exchangeId);
        await inquirer.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("誤記のため追記", ExchangeScenarios.RequestedAt.AddHours(7), "other"));

        var stored = await StoredAsync("mt_doc_providerrecord", "id", exchangeId);
        stored.Select(p => p.Key).Should().Contain(["nonDisclosures", "corrections"]);
        var copy = await api.ProviderCopyAsync(api.Person, exchangeId);
        copy.NonDisclosed.Should().BeTrue("the inquirer's mark is in force");
        copy.Corrections.Should().ContainSingle(c => c.Kind == "other" && c.Note == "誤記のため追記");

        await inquirer.LiftNonDisclosureAsync(exchangeId);
        (await api.ProviderCopyAsync(api.Person, exchangeId)).NonDisclosed.Should().BeFalse("the only mark was lifted");
    }

    [Fact]
    public async Task A_database_of_the_previous_version_is_brought_to_the_compact_shape_without_drift()
    {
        var before = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(9));
        await using (var connection = await api.OpenAsync())
        {
            // The previous version's tables had Marten's informational columns, filled for every row.
            foreach (var table in ExchangeTables)
            {
                await using var add = new NpgsqlCommand(
                    $"alter table {LedgerStore.Schema}.{table} add column mt_last_modified timestamptz default transaction_timestamp(), " +
                    "add column mt_version uuid not null default gen_random_uuid(), add column mt_dotnet_type varchar default 'ProvisionLedger'", connection);
                await add.ExecuteNonQueryAsync();
            }
        }

        // What the new version does at start: the owner login applies the configured schema (it drops the three columns).
        await api.Services.GetServices<IHostedService>().OfType<AuditSchemaInstaller>().Single().StartAsync(CancellationToken.None);

        await api.Store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        var after = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt.AddHours(10));
        (await api.NwsCopyAsync(before)).Result.Should().Be("provided");
        (await api.NwsCopyAsync(after)).Result.Should().Be("provided");
    }

    [Fact]
    public async Task The_exchange_tables_have_no_informational_columns()
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select table_name || '.' || column_name from information_schema.columns where table_schema = @schema and table_name = any(@tables) " +
            "and column_name in ('mt_last_modified', 'mt_version', 'mt_dotnet_type')", connection);
        command.Parameters.AddWithValue("schema", LedgerStore.Schema);
        command.Parameters.AddWithValue("tables", ExchangeTables);
        var columns = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            columns.Add(reader.GetString(0));
        }

        columns.Should().BeEmpty("nothing reads them, and they cost ~70 bytes a row");
    }
}
