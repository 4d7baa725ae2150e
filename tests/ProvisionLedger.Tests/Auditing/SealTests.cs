using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// Every event carries its transaction's seal, signed with a key the database never holds: events written or rewritten
/// through SQL alone, however consistently the chain is rebuilt around them, are found and located by their seal.
/// </summary>
public sealed class SealTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(SealTests));
        await _ledger.AppendLinkagesAsync(8);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task Each_transaction_writes_one_seal_over_its_events_and_the_ledger_verifies()
    {
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.audit_seals")).Should().Be(8);
        (await _ledger.ScalarAsync<long>("select sum(cardinality(seq_ids)) from ledger.audit_seals"))
            .Should().Be(await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events"));

        var report = await _ledger.VerifyAsync();

        report.Intact.Should().BeTrue(report.Summary());
        report.SealsChecked.Should().Be(8);
        var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString);
        exit.Should().Be(0, output);
        output.Should().Contain("8 seal(s) verified");
    }

    [Fact]
    public async Task A_copy_of_an_event_inserted_through_sql_is_chained_but_reported_as_unsealed()
    {
        var stream = await _ledger.ScalarAsync<string>("select stream_id from ledger.mt_events where seq_id = 2");
        var seq = await InsertCopyAsync(2);

        await ExpectFirst(DivergenceKind.Unsealed, seq, stream, $"unsealed: seq {seq}");
    }

    [Fact]
    public async Task An_edited_event_with_its_chain_rebuilt_is_reported_by_its_seal()
    {
        var stream = await _ledger.ScalarAsync<string>("select stream_id from ledger.mt_events where seq_id = 5");
        await _ledger.ExecuteAsync(RebuildChainAfterEditSql(5));

        await ExpectFirst(DivergenceKind.BadSeal, 5, stream, "bad-seal: seq 5");
    }

    [Fact]
    public async Task A_seal_forged_with_another_key_does_not_cover_the_inserted_event()
    {
        var seq = await InsertCopyAsync(3);
        using var forger = new SealSigner(TestKeys.NewCheckpointKeyPem());
        var digest = Convert.ToHexStringLower(forger.Seal([seq], [new byte[32]], DateTimeOffset.UtcNow).Signature);
        await _ledger.ExecuteAsync(
            $"insert into ledger.audit_seals (sealed_at, key_id, seq_ids, digests, signature) values (now(), '{forger.KeyId}', array[{seq}], array['\\x{new string('0', 64)}'::bytea], '\\x{digest}')");

        var report = await _ledger.VerifyAsync();

        report.First!.Kind.Should().Be(DivergenceKind.BadSeal, report.Summary());
        report.First.SeqId.Should().Be(seq);
    }

    /// <summary>An INSERT with the database login alone: a copy of an event with a new id at the next version.</summary>
    private async Task<long> InsertCopyAsync(long of)
    {
        await _ledger.ExecuteAsync(
            "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name) " +
            "select nextval('ledger.mt_events_sequence'), gen_random_uuid(), stream_id, " +
            "(select max(version) + 1 from ledger.mt_events m where m.stream_id = e.stream_id), data, type, timestamp, tenant_id, mt_dotnet_type, headers, user_name " +
            $"from ledger.mt_events e where seq_id = {of}");
        return await _ledger.ScalarAsync<long>("select max(seq_id) from ledger.mt_events");
    }

    /// <summary>A superuser edits one event and recomputes every digest and link from there: a self-consistent chain.</summary>
    public static string RebuildChainAfterEditSql(long seq) => $$"""
        begin;
        alter table ledger.mt_events disable trigger audit_guard;
        alter table ledger.audit_chain disable trigger audit_guard;
        update ledger.mt_events set data = jsonb_set(data, '{operatorId}', '"staff-99"') where seq_id = {{seq}};
        do $$
        declare
            r record;
            prev bytea;
            d bytea;
        begin
            select coalesce((select link from ledger.audit_chain where position = (select position - 1 from ledger.audit_chain where seq_id = {{seq}})),
                decode(repeat('00', 32), 'hex')) into prev;
            for r in select c.position, e.* from ledger.audit_chain c join ledger.mt_events e on e.seq_id = c.seq_id
                     where c.position >= (select position from ledger.audit_chain where seq_id = {{seq}}) order by c.position loop
                d := sha256(convert_to(ledger.audit_canonical(r.position, r.seq_id, r.id, r.stream_id, r.version, r.type, r.tenant_id,
                    r.timestamp, r.mt_dotnet_type, r.correlation_id, r.causation_id, r.user_name, r.headers, r.data, r.bdata), 'UTF8'));
                prev := sha256(prev || d);
                update ledger.audit_chain set event_digest = d, link = prev where position = r.position;
            end loop;
        end $$;
        alter table ledger.audit_chain enable trigger audit_guard;
        alter table ledger.mt_events enable trigger audit_guard;
        commit;
        """;

    private async Task ExpectFirst(DivergenceKind kind, long seq, string stream, string cliText)
    {
        var report = await _ledger.VerifyAsync();
        report.Intact.Should().BeFalse();
        report.First!.Kind.Should().Be(kind, report.Summary());
        report.First.SeqId.Should().Be(seq);
        report.First.StreamId.Should().Be(stream);

        var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString);
        exit.Should().Be(1, output);
        output.Should().StartWith("NOT intact").And.Contain($"first: {cliText}");
    }
}
