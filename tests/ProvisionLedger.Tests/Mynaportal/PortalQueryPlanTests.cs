using System.Text.RegularExpressions;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Mynaportal.Searching;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>
/// The search's statement, planned by PostgreSQL over many people and many protections: a page is one backward range of
/// the person's index entries stopped by the page size, each row checked against the protections by key. Nothing in it
/// reads a whole table or sorts the person's entries, so its cost does not grow with the store. (With 200,000 protections
/// the earlier form read the protection table once per row: 27 s a search.)
/// </summary>
public sealed class PortalQueryPlanTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_page_is_one_index_range_with_a_keyed_protection_check_per_row(bool withCursor)
    {
        var s = LedgerStore.Schema;
        await using var connection = await api.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Planner statistics of a big store, rolled back at the end: 400 people with 100 entries each, 20,000 protected people.
        foreach (var sql in new[]
                 {
                     $"insert into {s}.mt_doc_subjectprotection (id, data) select 'p-' || i, '{{\"activeProtectionIds\":[\"x\"]}}' from generate_series(1, 20000) i",
                     $"insert into {s}.mt_doc_portalentry (id, data, subject_ref, exchange_id, sort_key, non_disclosed, retention_key) " +
                     "select 'e-' || i, jsonb_build_object('persons', jsonb_build_array('person-' || (i % 400))), 'person-' || (i % 400), 'x-' || i, " +
                     "638000000000000000 + i, false, 638000000000000000 + i from generate_series(1, 40000) i",
                     $"analyze {s}.mt_doc_subjectprotection",
                     $"analyze {s}.mt_doc_portalentry",
                 })
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync();
        }

        var search = new SearchRecords(null, null, null, null, null, null, null, 20, null);
        var (where, args) = SearchRecordsEndpoint.Where("person-7", search, 0, withCursor ? new KeysetPosition(638000000000020007L, "x-20007") : null, 21);
        var n = 0;
        var statement = $"explain select d.data from {s}.mt_doc_portalentry as d " + Regex.Replace(where, @"\?", _ => $"${++n}");
        await using var explain = new NpgsqlCommand(statement, connection, transaction);
        foreach (var arg in args)
        {
            explain.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        var text = string.Join('\n', plan);
        text.Should().Contain("Index Scan Backward using ledger_portal_entry_page on mt_doc_portalentry", text);
        text.Should().Contain("Index Scan using pkey_mt_doc_subjectprotection_id on mt_doc_subjectprotection", text);
        text.Should().NotContain("Seq Scan", text).And.NotContain("Sort", text).And.NotContain("Anti Join", text).And.NotContain("Materialize", text);
    }
}
