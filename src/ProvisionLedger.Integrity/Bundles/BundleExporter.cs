using Npgsql;
using ProvisionLedger.Integrity.Storage;

namespace ProvisionLedger.Integrity.Bundles;

public sealed record ExportResult(AuditBundle Bundle, long LeftOutNewerThanCheckpoint);

/// <summary>Builds a bundle against the latest checkpoint; events chained after it cannot be proven yet and are left out.</summary>
public static class BundleExporter
{
    public static async Task<ExportResult> ExportAsync(NpgsqlDataSource dataSource, AuditDatabase tables, BundleSelection selection, TimeProvider clock, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var checkpoint = await tables.CheckpointAsync(connection, null, ct)
                         ?? throw new InvalidOperationException("There is no checkpoint yet: make one first (POST /api/v1/audit/checkpoints).");
        var tree = new MerkleLevels(await tables.LeavesAsync(connection, 0, checkpoint.Sequence, ct));

        var where = new List<string>();
        await using var command = new NpgsqlCommand { Connection = connection, Transaction = tx };
        if (selection.FromSeq is { } from)
        {
            where.Add("c.seq_id >= @from");
            command.Parameters.AddWithValue("from", from);
        }

        if (selection.ToSeq is { } to)
        {
            where.Add("c.seq_id <= @to");
            command.Parameters.AddWithValue("to", to);
        }

        if (selection.Stream is { } stream)
        {
            where.Add("c.stream_id = @stream");
            command.Parameters.AddWithValue("stream", stream);
        }

        command.CommandText =
            $"select {AuditDatabase.ChainColumns}, {AuditDatabase.EventColumns} from {tables.Schema}.audit_chain c " +
            $"join {tables.Schema}.mt_events e on e.seq_id = c.seq_id {(where.Count == 0 ? "" : "where " + string.Join(" and ", where))} " +
            "order by c.position";
        var events = new List<BundleEvent>();
        long leftOut = 0;
        await using (var r = await command.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var entry = AuditDatabase.ReadEntry(r, 0);
                if (entry.Position > checkpoint.Sequence)
                {
                    leftOut++;
                    continue;
                }

                events.Add(BundleEvent.Of(entry, AuditDatabase.ReadEvent(r, 6), tree.AuditPath(entry.Position - 1)));
            }
        }

        await tx.CommitAsync(ct);
        return new ExportResult(
            new AuditBundle(AuditBundle.CurrentFormat, clock.GetUtcNow(), selection, BundleCheckpoint.Of(checkpoint), events), leftOut);
    }
}
