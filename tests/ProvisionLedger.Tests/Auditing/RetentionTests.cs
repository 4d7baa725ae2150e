using ProvisionLedger.Api.Auditing.Retention;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>Archiving under the 7-year rule keeps the chain and checkpoints verifiable and is itself recorded.</summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(RetentionTests));
        await _ledger.AppendLinkagesAsync(5);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task Streams_past_retention_are_archived_recorded_and_the_chain_still_verifies()
    {
        using var signer = new Integrity.CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        await _ledger.CheckpointAsync(signer);
        var eightYearsOn = new FixedClock(DateTimeOffset.UtcNow.AddYears(8));

        var run = await RetentionPolicy.ArchiveAsync(_ledger.Store, DateTimeOffset.UtcNow.AddMinutes(1), "operator:test", eightYearsOn);

        run.Should().NotBeNull();
        run!.StreamIds.Should().HaveCount(5);
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where is_archived")).Should().BeGreaterThanOrEqualTo(5);
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where type = 'streams_archived'")).Should().Be(1);
        var report = await _ledger.VerifyAsync(signer.PublicKeyPem);
        report.Intact.Should().BeTrue(report.Summary());
        (await RetentionPolicy.ArchiveAsync(_ledger.Store, DateTimeOffset.UtcNow.AddMinutes(1), "operator:test", eightYearsOn))
            .Should().BeNull("archived streams are not archived twice");
    }

    [Fact]
    public async Task A_cutoff_inside_the_retention_period_is_refused()
    {
        var act = () => RetentionPolicy.ArchiveAsync(_ledger.Store, DateTimeOffset.UtcNow.AddYears(-6), "operator:test", TimeProvider.System);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where is_archived")).Should().Be(0);
    }
}

public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
