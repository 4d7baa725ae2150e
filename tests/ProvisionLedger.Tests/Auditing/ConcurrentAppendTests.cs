using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>Parallel appenders draw sequence numbers out of commit order; the chain must still take every event once.</summary>
public sealed class ConcurrentAppendTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync() => _ledger = await ChainedLedger.CreateAsync(nameof(ConcurrentAppendTests));

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task Eight_parallel_writers_leave_a_chain_without_gaps_that_verifies()
    {
        var written = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _ledger.AppendLinkagesAsync(40))));

        var events = await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events");
        events.Should().Be(written.Sum());
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.audit_chain")).Should().Be(events);
        (await _ledger.ScalarAsync<long>("select max(position) from ledger.audit_chain")).Should().Be(events, "positions run 1..n");
        (await _ledger.ScalarAsync<long>("select count(distinct position) from ledger.audit_chain")).Should().Be(events);
        (await _ledger.ScalarAsync<long>(
            "select count(*) from ledger.mt_events e where (select count(*) from ledger.audit_chain c where c.seq_id = e.seq_id) <> 1"))
            .Should().Be(0, "every event has exactly one link");

        var report = await _ledger.VerifyAsync();
        report.Intact.Should().BeTrue(report.Summary());
        report.Links.Should().Be(events);
    }
}
