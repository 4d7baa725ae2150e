using System.Data;
using System.Text.Json;
using Npgsql;
using ProvisionLedger.Integrity.Storage;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Integrity.Bundles;

public sealed record ExportResult(BundleCheckpoint Checkpoint, long Exported, long LeftOutNewerThanCheckpoint);

/// <summary>
/// Writes a bundle against the latest checkpoint as the rows stream from the database, in constant memory: each event
/// is written with its audit path as soon as it is read. Events chained after the checkpoint cannot be proven yet and
/// are left out.
/// </summary>
public static class BundleExporter
{
    /// <summary>How much JSON is kept before it is written out to the stream.</summary>
    private const int FlushBytes = 1 << 20;

    public static async Task<ExportResult> ExportAsync(NpgsqlDataSource dataSource, AuditDatabase tables, BundleSelection selection, Stream output,
        TimeProvider clock, IChainProgress? progress = null, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var lookups = await dataSource.OpenConnectionAsync(ct);

        // The rows stream on one connection while the Merkle leaves are read on the other, both in the same snapshot.
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        string snapshot;
        await using (var export = new NpgsqlCommand("select pg_export_snapshot()", connection, tx))
        {
            snapshot = (string)(await export.ExecuteScalarAsync(ct))!;
        }

        await using var lookupTx = await lookups.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var import = new NpgsqlCommand($"set transaction snapshot '{snapshot}'", lookups, lookupTx))
        {
            await import.ExecuteNonQueryAsync(ct);
        }

        var checkpoint = await tables.CheckpointAsync(connection, null, ct)
                         ?? throw new InvalidOperationException("There is no checkpoint yet: make one first (POST /api/v1/audit/checkpoints).");
        var paths = new MerklePaths(checkpoint.Sequence, await tables.BlockHashesAsync(lookups, checkpoint.Sequence, ct),
            (from, to, token) => tables.LeavesAsync(lookups, from, to, token));
        if (!(await paths.RootAsync(ct)).AsSpan().SequenceEqual(checkpoint.MerkleRoot))
        {
            throw new InvalidOperationException(
                $"The chain's Merkle root up to checkpoint {checkpoint.Id} differs from the signed one: run `verify` before exporting.");
        }

        var (where, parameters) = Filter(selection);
        long matching, leftOut;
        await using (var count = new NpgsqlCommand(
                         $"select count(*) filter (where c.position <= @sequence), count(*) filter (where c.position > @sequence) " +
                         $"from {tables.Schema}.audit_chain c join {tables.Schema}.mt_events e on e.seq_id = c.seq_id {where}", connection, tx))
        {
            count.Parameters.AddRange(parameters());
            count.Parameters.AddWithValue("sequence", checkpoint.Sequence);
            await using var r = await count.ExecuteReaderAsync(ct);
            await r.ReadAsync(ct);
            (matching, leftOut) = (r.GetInt64(0), r.GetInt64(1));
        }

        progress?.SetTotal(matching);
        var bundleCheckpoint = BundleCheckpoint.Of(checkpoint);
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("format", AuditBundle.CurrentFormat);
        json.WriteString("exportedAt", clock.GetUtcNow());
        json.WritePropertyName("selection");
        JsonSerializer.Serialize(json, selection, AuditBundle.Json);
        json.WritePropertyName("checkpoint");
        JsonSerializer.Serialize(json, bundleCheckpoint, AuditBundle.Json);
        json.WriteStartArray("events");

        long exported = 0;
        await using (var rows = new NpgsqlCommand(
                         $"select {AuditDatabase.ChainColumns}, {AuditDatabase.EventColumns} from {tables.Schema}.audit_chain c " +
                         $"join {tables.Schema}.mt_events e on e.seq_id = c.seq_id {where}{(where.Length == 0 ? "where" : " and")} c.position <= @sequence " +
                         "order by c.position", connection, tx))
        {
            rows.Parameters.AddRange(parameters());
            rows.Parameters.AddWithValue("sequence", checkpoint.Sequence);
            await using var r = await rows.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var entry = AuditDatabase.ReadEntry(r, 0);
                var path = await paths.AuditPathAsync(entry.Position - 1, ct);
                JsonSerializer.Serialize(json, BundleEvent.Of(entry, AuditDatabase.ReadEvent(r, 6), path), AuditBundle.Json);
                if (++exported % 1024 == 0)
                {
                    progress?.Report(exported);
                }

                if (json.BytesPending >= FlushBytes)
                {
                    await json.FlushAsync(ct);
                }
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync(ct);
        progress?.Report(exported);
        await lookupTx.CommitAsync(ct);
        await tx.CommitAsync(ct);
        return new ExportResult(bundleCheckpoint, exported, leftOut);
    }

    private static (string Where, Func<NpgsqlParameter[]> Parameters) Filter(BundleSelection selection)
    {
        var where = new List<string>();
        if (selection.FromSeq is not null)
        {
            where.Add("c.seq_id >= @from");
        }

        if (selection.ToSeq is not null)
        {
            where.Add("c.seq_id <= @to");
        }

        if (selection.Stream is not null)
        {
            where.Add("c.stream_id = @stream");
        }

        NpgsqlParameter[] Parameters() =>
        [
            .. selection.FromSeq is { } from ? [new NpgsqlParameter("from", from)] : Array.Empty<NpgsqlParameter>(),
            .. selection.ToSeq is { } to ? [new NpgsqlParameter("to", to)] : Array.Empty<NpgsqlParameter>(),
            .. selection.Stream is { } stream ? [new NpgsqlParameter("stream", stream)] : Array.Empty<NpgsqlParameter>(),
        ];

        return (where.Count == 0 ? "" : "where " + string.Join(" and ", where), Parameters);
    }
}
