using JasperFx.Events;
using Marten;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// A write that loses a race has drawn sequence numbers before it rolled back. Marten fills those numbers afterwards with
/// "tombstone" rows of its own (stream <c>mt_tombstone</c>, no data), written in a batch of its own outside the session,
/// so they carry no seal. They record nothing, and verify must not cry tampering over them.
/// </summary>
public sealed class TombstoneTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync() => _ledger = await ChainedLedger.CreateAsync(nameof(TombstoneTests));

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task A_lost_race_leaves_marten_tombstones_that_the_chain_takes_and_verify_accepts()
    {
        await _ledger.AppendLinkagesAsync(3, integrate: false);
        var key = LinkageKeys.Stream("131016", "R-race");
        await using (var first = _ledger.Store.LightweightSession())
        {
            first.Events.StartStream(key, ChainedLedger.Linkage(key, "131016", 1));
            await first.SaveChangesAsync();
        }

        // The loser's first stream is written (its numbers drawn and read back), then its second collides with a stream
        // that exists: the transaction rolls back, as when two confirmations of one linkage race.
        await using (var loser = _ledger.Store.LightweightSession())
        {
            var fresh = LinkageKeys.Stream("131016", "R-fresh");
            loser.Events.StartStream(fresh, ChainedLedger.Linkage(fresh, "131016", 2));
            loser.Events.StartStream(key, ChainedLedger.Linkage(key, "131016", 1));
            var lost = async () => await loser.SaveChangesAsync();
            await lost.Should().ThrowAsync<Exception>();
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where type = 'tombstone'") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var tombstones = await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where type = 'tombstone'");
        tombstones.Should().BeGreaterThan(0, "the loser drew sequence numbers that Marten fills");
        await _ledger.IntegrateAsync();
        var report = await _ledger.VerifyAsync();
        report.Intact.Should().BeTrue(report.Summary());
        report.Tombstones.Should().Be(tombstones);
        report.Links.Should().Be(await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events"), "the tombstones are chained like every row");
        report.Summary().Should().Contain($"{tombstones} Marten tombstone(s)");

        // Dressed as a tombstone but carrying data: written with the database login alone, and caught.
        var forged = await _ledger.ScalarAsync<long>(
            "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type) " +
            "select s, gen_random_uuid(), 'mt_tombstone', s, '{\"subjectRef\": \"forged\"}', 'tombstone', '-infinity', '*DEFAULT*', " +
            "'JasperFx.Events.Tombstone, JasperFx.Events' from (select nextval('ledger.mt_events_sequence') as s) n returning seq_id");
        await _ledger.IntegrateAsync();
        var caught = await _ledger.VerifyAsync();
        caught.Intact.Should().BeFalse();
        caught.Divergences.Should().ContainSingle(d => d.SeqId == forged).Which.Kind.Should().Be(DivergenceKind.Unsealed);
    }
}
