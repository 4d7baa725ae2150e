using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// The keyset indexes of the party-copy listings and the portal view: (owner, sort_key, id), so a page is one index
/// range; and the access log's (sort_key, id). Marten's index API builds its indexes on one column here, so these are plain DDL, named outside Marten's
/// <c>mt_</c> prefix so its migrations leave them alone. Idempotent; run at start after Marten's schema.
/// </summary>
public static class ReadModelIndexes
{
    public static readonly string[] Statements =
    [
        $"create index if not exists ledger_inquirer_record_page on {LedgerStore.Schema}.mt_doc_inquirerrecord (inquirer_code, sort_key, id)",
        $"create index if not exists ledger_provider_record_page on {LedgerStore.Schema}.mt_doc_providerrecord (provider_code, sort_key, id)",
        $"create index if not exists ledger_portal_entry_page on {LedgerStore.Schema}.mt_doc_portalentry (subject_ref, sort_key, exchange_id)",
        $"create index if not exists ledger_read_access_page on {LedgerStore.Schema}.mt_doc_readaccessentry (sort_key, id)",
        Mynaportal.PortalViews.Index,
    ];

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        foreach (var statement in Statements)
        {
            await using var command = dataSource.CreateCommand(statement);
            await command.ExecuteNonQueryAsync(ct);
        }
    }
}
