using Npgsql;
using ProvisionLedger.Integrity;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The trigger (SQL) and the verifier (C#) must build the same canonical text from the same row.</summary>
public sealed class CanonicalTextTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync() => _ledger = await ChainedLedger.CreateAsync(nameof(CanonicalTextTests));

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task Sql_and_csharp_build_the_same_text_and_digest_for_every_row()
    {
        await _ledger.AppendLinkagesAsync(6);

        // Without headers, user or correlation: the NULL columns take part too.
        await using (var bare = _ledger.Store.LightweightSession())
        {
            bare.Events.StartStream($"linkage:131016:bare-{Guid.NewGuid():n}", ChainedLedger.Linkage("linkage:131016:bare", "131016", 2));
            await bare.SaveChangesAsync();
        }

        await _ledger.IntegrateAsync();

        await using var connection = await _ledger.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            "select ledger.audit_canonical(c.position, e.seq_id, e.id, e.stream_id, e.version, e.type, e.tenant_id, e.timestamp, " +
            "e.mt_dotnet_type, e.correlation_id, e.causation_id, e.user_name, e.headers, e.data, e.bdata), " +
            $"{Integrity.Storage.AuditDatabase.ChainColumns}, {Integrity.Storage.AuditDatabase.EventColumns} " +
            "from ledger.audit_chain c join ledger.mt_events e on e.seq_id = c.seq_id order by c.position", connection);
        await using var r = await command.ExecuteReaderAsync();
        var rows = 0;
        var sawNull = false;
        while (await r.ReadAsync())
        {
            var sql = r.GetString(0);
            var entry = Integrity.Storage.AuditDatabase.ReadEntry(r, 1);
            var row = Integrity.Storage.AuditDatabase.ReadEvent(r, 7);
            CanonicalEvent.Text(entry.Position, row).Should().Be(sql);
            CanonicalEvent.Digest(entry.Position, row).Should().Equal(entry.EventDigest);
            sawNull |= row.Headers is null || row.UserName is null || row.CorrelationId is null || row.CausationId is null;
            rows++;
        }

        rows.Should().BeGreaterThan(8);
        sawNull.Should().BeTrue();
    }

    [Fact]
    public void Every_value_is_length_prefixed_so_no_value_can_forge_another_field()
    {
        var row = new EventRow(1, Guid.Empty, "s\ntype=x", 1, "t", null, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            null, null, null, "名前", null, "{}", null);

        var text = CanonicalEvent.Text(1, row);

        text.Should().Contain("stream_id=8:s\ntype=x\n").And.Contain("user_name=6:名前\n").And.Contain("headers=~\n")
            .And.Contain("timestamp=2025-01-01T00:00:00.000000Z\n");
    }
}
