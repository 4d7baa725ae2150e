using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Auditing.Chaining;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The chain is extended after commit, in sequence order, never past a sequence number that may still commit.</summary>
public sealed class ChainIntegrationTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(ChainIntegrationTests));
        await _ledger.AppendLinkagesAsync(3);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task A_rolled_back_sequence_number_leaves_no_hole_and_the_chain_goes_on_past_it()
    {
        await _ledger.ExecuteAsync("select nextval('ledger.mt_events_sequence')");
        await _ledger.AppendLinkagesAsync(3);

        var events = await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events");
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.audit_chain")).Should().Be(events);
        (await _ledger.ScalarAsync<long>("select max(position) from ledger.audit_chain")).Should().Be(events);
        (await _ledger.VerifyAsync()).Intact.Should().BeTrue();
    }

    [Fact]
    public async Task The_integrator_waits_for_a_lower_sequence_number_still_in_flight_and_chains_in_sequence_order()
    {
        await using var inFlight = await _ledger.DataSource.OpenConnectionAsync();
        await using var tx = await inFlight.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand(
                         "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type) " +
                         "select nextval('ledger.mt_events_sequence'), gen_random_uuid(), stream_id, 1000, data, type, timestamp, tenant_id, mt_dotnet_type " +
                         "from ledger.mt_events where seq_id = 1 returning seq_id", inFlight, tx))
        {
            var late = (long)(await insert.ExecuteScalarAsync())!;
            await _ledger.AppendLinkagesAsync(2, integrate: false);
            await _ledger.IntegrateAsync(untilNoGap: false);
            await _ledger.IntegrateAsync(untilNoGap: false);

            (await _ledger.ScalarAsync<long>("select max(seq_id) from ledger.audit_chain")).Should().BeLessThan(late,
                "nothing after a sequence number that may still commit is chained");
            await tx.CommitAsync();
            await _ledger.IntegrateAsync();

            var order = await _ledger.ScalarAsync<long[]>("select array_agg(seq_id order by position) from ledger.audit_chain");
            order.Should().BeInAscendingOrder().And.Contain(late).And.HaveCount((int)await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events"));
        }
    }
}

/// <summary>Through the service: writers do not wait for the chain, and its lag is exposed.</summary>
public sealed class ChainOffTheCommitPathTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>
{
    [Fact]
    public async Task A_write_commits_while_the_chain_is_locked_and_is_chained_once_the_lock_is_gone()
    {
        await using var holder = await api.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended('ledger.audit_chain', 0))", holder, tx))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var response = await api.PostLinkAsync(Institutions.Chiyoda, LinkageScenarios.LinkRequest(Institutions.Chiyoda,
            LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).WaitAsync(TimeSpan.FromSeconds(20));
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        await using (var unchained = new NpgsqlCommand(
                         "select count(*) from ledger.mt_events e where not exists (select 1 from ledger.audit_chain c where c.seq_id = e.seq_id)", holder, tx))
        {
            ((long)(await unchained.ExecuteScalarAsync())!).Should().BeGreaterThan(0, "the chain waits; the writer did not");
        }

        await tx.RollbackAsync();
        await api.WaitForChainAsync();
    }

    [Fact]
    public async Task The_lag_is_read_by_readiness_and_by_the_ProvisionLedger_meter()
    {
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var status = api.Services.GetRequiredService<ChainIntegrationStatus>();
        await status.NextRoundAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var measured = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChainIntegrationStatus.MeterName && instrument.Name == "ledger.chain.lag.age")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => measured.Add(value));
        listener.Start();
        listener.RecordObservableInstruments();

        status.Lag.Should().NotBeNull().And.Be(TimeSpan.Zero);
        status.Integrated.Should().BeGreaterThan(0);
        measured.Should().NotBeEmpty().And.AllSatisfy(v => v.Should().Be(0));
    }
}
