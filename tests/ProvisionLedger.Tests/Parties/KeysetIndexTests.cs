using Marten;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// A party's page and a person's portal page are one index range only if the index holds owner, sort key and id:
/// on a million records, a one-column index made an institution's cursor page 6× slower at p99 (bench results).
/// </summary>
public sealed class KeysetIndexTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private static readonly string[] DeclaredIndexes =
    [
        "ledger_inquirer_record_page", "ledger_provider_record_page", "ledger_portal_entry_page", "ledger_read_access_page",
        "ledger_records_viewed_subject",
    ];

    [Theory]
    [InlineData("ledger_inquirer_record_page", "mt_doc_inquirerrecord", "(inquirer_code, sort_key, id)")]
    [InlineData("ledger_provider_record_page", "mt_doc_providerrecord", "(provider_code, sort_key, id)")]
    [InlineData("ledger_portal_entry_page", "mt_doc_portalentry", "(subject_ref, sort_key, exchange_id)")]
    [InlineData("ledger_read_access_page", "mt_doc_readaccessentry", "(sort_key, id)")]
    public async Task Listings_have_their_composite_keyset_index(string index, string table, string columns)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select indexdef from pg_indexes where schemaname = @schema and indexname = @index", connection);
        command.Parameters.AddWithValue("schema", LedgerStore.Schema);
        command.Parameters.AddWithValue("index", index);

        var definition = (string?)await command.ExecuteScalarAsync();

        definition.Should().NotBeNull().And.Contain($"{LedgerStore.Schema}.{table}").And.EndWith(columns);
    }

    [Fact]
    public async Task After_start_the_database_matches_the_configuration_and_a_schema_apply_keeps_the_keyset_indexes()
    {
        // Marten knows the indexes by name (IgnoreIndex): it neither reports them as differences nor drops them.
        await api.Store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        await api.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();

        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(*) from pg_indexes where schemaname = @schema and indexname = any(@names)", connection);
        command.Parameters.AddWithValue("schema", LedgerStore.Schema);
        command.Parameters.AddWithValue("names", DeclaredIndexes);
        ((long)(await command.ExecuteScalarAsync())!).Should().Be(DeclaredIndexes.Length);
    }

    [Theory]
    [InlineData("mt_doc_inquirerrecord", "ledger_inquirer_record_page")]
    [InlineData("mt_doc_providerrecord", "ledger_provider_record_page")]
    [InlineData("mt_doc_portalentry", "ledger_portal_entry_page", "mt_doc_portalentry_idx_exchange_id")]
    public async Task The_read_models_carry_only_the_indexes_their_queries_use(string table, params string[] indexes)
    {
        await using var connection = await api.OpenAsync();

        var report = await StorageReport.ReadAsync(connection);

        report.Should().ContainSingle(r => r.Table == table && r.Index == null, "the report has the table's own row");
        report.Where(r => r.Table == table && r.Index != null).Select(r => r.Index).Should().BeEquivalentTo(
            [$"pkey_{table}_id", .. indexes], "a one-column index twinned by the keyset index, or one no query uses, costs space and a write per row");
    }
}
