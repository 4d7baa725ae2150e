using Npgsql;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// Real rows tampered with through SQL, as someone with the tables' owner rights could: each change is detected and
/// located by the verifier, both through the library and through the command line.
/// </summary>
public sealed class ChainTamperingTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(ChainTamperingTests));
        await _ledger.AppendLinkagesAsync(12);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task An_untouched_ledger_verifies_as_intact()
    {
        var report = await _ledger.VerifyAsync();

        report.Intact.Should().BeTrue(report.Summary());
        report.Links.Should().Be(await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events"));
        var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString);
        exit.Should().Be(0, output);
        output.Should().StartWith("intact:");
    }

    [Fact]
    public async Task Changed_event_data_is_reported_as_changed_at_its_sequence_and_stream()
    {
        var stream = await StreamOf(5);
        await _ledger.TamperAsync("update ledger.mt_events set data = jsonb_set(data, '{operatorId}', '\"staff-99\"') where seq_id = 5");

        await ExpectFirst(DivergenceKind.Changed, 5, stream, "changed: seq 5");
    }

    [Fact]
    public async Task A_deleted_event_is_reported_as_missing()
    {
        var stream = await StreamOf(7);
        await _ledger.TamperAsync("delete from ledger.mt_events where seq_id = 7");

        await ExpectFirst(DivergenceKind.Missing, 7, stream, "missing: seq 7");
    }

    [Fact]
    public async Task Two_swapped_sequence_numbers_are_reported_as_reordered()
    {
        var stream = await StreamOf(3);
        await _ledger.TamperAsync(
            "update ledger.mt_events set seq_id = -3 where seq_id = 3; update ledger.mt_events set seq_id = 3 where seq_id = 8; " +
            "update ledger.mt_events set seq_id = 8 where seq_id = -3");

        var report = await ExpectFirst(DivergenceKind.Reordered, 3, stream, "reordered: seq 3");
        report.Divergences.Select(d => (d.Kind, d.SeqId)).Should().BeEquivalentTo(new[]
        {
            (DivergenceKind.Reordered, (long?)3), (DivergenceKind.Reordered, (long?)8),
        });
    }

    [Theory]
    [InlineData("headers = headers || '{\"role\": \"auditor\"}'::jsonb")]
    [InlineData("user_name = 'auditor:someone-else'")]
    [InlineData("timestamp = timestamp - interval '1 microsecond'")]
    [InlineData("correlation_id = 'another-request'")]
    [InlineData("type = 'linkage_verified'")]
    [InlineData("version = version + 100")]
    public async Task Edited_metadata_is_reported_as_changed(string assignment)
    {
        var stream = await StreamOf(4);
        await _ledger.TamperAsync($"update ledger.mt_events set {assignment} where seq_id = 4");

        await ExpectFirst(DivergenceKind.Changed, 4, stream, "changed: seq 4");
    }

    [Fact]
    public async Task An_event_slipped_in_below_the_chain_head_is_reported_as_inserted()
    {
        var stream = await StreamOf(2);
        await _ledger.ExecuteAsync(
            "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name) " +
            "select 0, gen_random_uuid(), stream_id, 100, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name " +
            "from ledger.mt_events where seq_id = 2");

        await ExpectFirst(DivergenceKind.Inserted, 0, stream, "inserted: seq 0");
    }

    [Fact]
    public async Task An_event_past_the_chain_head_without_a_seal_is_reported_as_unsealed_before_and_after_integration()
    {
        var stream = await StreamOf(2);
        await _ledger.ExecuteAsync(
            "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name) " +
            "select 1000, gen_random_uuid(), stream_id, 100, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name " +
            "from ledger.mt_events where seq_id = 2");

        await ExpectFirst(DivergenceKind.Unsealed, 1000, stream, "unsealed: seq 1000");
        (await _ledger.IntegrateAsync()).Should().Be(1);
        await ExpectFirst(DivergenceKind.Unsealed, 1000, stream, "unsealed: seq 1000");
    }

    [Fact]
    public async Task An_edited_chain_table_is_reported_as_a_broken_link()
    {
        await _ledger.ExecuteAsync(
            "begin; alter table ledger.audit_chain disable trigger audit_guard; " +
            "update ledger.audit_chain set event_digest = sha256('forged'::bytea) where position = 6; " +
            "alter table ledger.audit_chain enable trigger audit_guard; commit;");

        var report = await _ledger.VerifyAsync();

        report.Intact.Should().BeFalse();
        report.Divergences.Should().Contain(d => d.Kind == DivergenceKind.BrokenLink && d.Position == 6);
        report.Divergences.Should().Contain(d => d.Kind == DivergenceKind.Changed && d.Position == 6);
    }

    [Fact]
    public async Task A_chain_recomputed_after_tampering_is_caught_by_the_signed_checkpoint()
    {
        using var signer = new Integrity.CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        await _ledger.CheckpointAsync(signer);
        var stream = await StreamOf(5);

        // The attacker edits an event and rebuilds every digest and link from there on: a self-consistent chain.
        await _ledger.ExecuteAsync("""
            begin;
            alter table ledger.mt_events disable trigger audit_guard;
            alter table ledger.audit_chain disable trigger audit_guard;
            update ledger.mt_events set data = jsonb_set(data, '{operatorId}', '"staff-99"') where seq_id = 5;
            do $$
            declare
                r record;
                prev bytea;
                d bytea;
            begin
                select link into prev from ledger.audit_chain where position = (select position - 1 from ledger.audit_chain where seq_id = 5);
                for r in select c.position, e.* from ledger.audit_chain c join ledger.mt_events e on e.seq_id = c.seq_id
                         where c.position >= (select position from ledger.audit_chain where seq_id = 5) order by c.position loop
                    d := sha256(convert_to(ledger.audit_canonical(r.position, r.seq_id, r.id, r.stream_id, r.version, r.type, r.tenant_id,
                        r.timestamp, r.mt_dotnet_type, r.correlation_id, r.causation_id, r.user_name, r.headers, r.data, r.bdata), 'UTF8'));
                    prev := sha256(prev || d);
                    update ledger.audit_chain set event_digest = d, link = prev where position = r.position;
                end loop;
            end $$;
            alter table ledger.audit_chain enable trigger audit_guard;
            alter table ledger.mt_events enable trigger audit_guard;
            commit;
            """);

        var report = await _ledger.VerifyAsync(signer.PublicKeyPem);

        report.Intact.Should().BeFalse();
        report.Divergences.Select(d => d.Kind).Should().BeEquivalentTo([DivergenceKind.CheckpointMismatch, DivergenceKind.BadSeal]);
        report.Divergences.Should().Contain(d => d.Kind == DivergenceKind.BadSeal && d.SeqId == 5 && d.StreamId == stream);
    }

    [Fact]
    public async Task The_database_refuses_edits_and_deletions_of_events_and_audit_records()
    {
        foreach (var sql in new[]
                 {
                     "update ledger.mt_events set user_name = 'x' where seq_id = 1",
                     "delete from ledger.mt_events where seq_id = 1",
                     "update ledger.audit_chain set link = link where position = 1",
                     "delete from ledger.audit_chain where position = 1",
                     "truncate ledger.audit_chain",
                     "truncate ledger.audit_checkpoints",
                 })
        {
            var act = () => _ledger.ExecuteAsync(sql);
            await act.Should().ThrowAsync<PostgresException>(sql);
        }

        (await _ledger.VerifyAsync()).Intact.Should().BeTrue();
    }

    private Task<string> StreamOf(long seq) => _ledger.ScalarAsync<string>($"select stream_id from ledger.mt_events where seq_id = {seq}");

    private async Task<VerificationReport> ExpectFirst(DivergenceKind kind, long seq, string stream, string cliText)
    {
        var report = await _ledger.VerifyAsync();
        report.Intact.Should().BeFalse();
        report.First.Should().NotBeNull();
        report.First!.Kind.Should().Be(kind, report.Summary());
        report.First.SeqId.Should().Be(seq);
        report.First.StreamId.Should().Be(stream);

        var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString);
        exit.Should().Be(1, output);
        output.Should().StartWith("NOT intact").And.Contain($"first: {cliText}").And.Contain($"stream {stream}");
        return report;
    }
}
