using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Witnessing;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The witness's rules, offline: trust on first sight, then only checkpoints whose tree extends the accepted one.</summary>
public sealed class WitnessRuleTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("witness-").FullName;
    private readonly CheckpointSigner _log = new(TestKeys.NewCheckpointKeyPem());
    private readonly string _witnessKey = TestKeys.NewCheckpointKeyPem();

    public void Dispose()
    {
        _log.Dispose();
        Directory.Delete(_state, recursive: true);
    }

    private static List<byte[]> Leaves(int n, int salt = 0) =>
        Enumerable.Range(0, n).Select(i => MerkleTree.Leaf(SHA256.HashData(BitConverter.GetBytes(i * 1000 + (i == 3 ? salt : 0))))).ToList();

    private CheckpointNote Note(List<byte[]> leaves, CheckpointSigner? by = null) =>
        (by ?? _log).Sign(leaves.Count, null, new byte[32], MerkleTree.Root(leaves), DateTimeOffset.UtcNow, "ledger.test/witnessed").Note()!;

    [Fact]
    public void A_witness_accepts_the_first_checkpoint_then_consistent_growth_and_refuses_a_rewrite_naming_both_sizes()
    {
        var witness = new Witness(_state, "witness.test", _witnessKey, [_log.PublicKeyPem]);
        var first = Note(Leaves(8));

        var accepted = witness.Check(first, [], DateTimeOffset.UtcNow);
        accepted.Accepted.Should().BeTrue(accepted.Message);
        witness.Keep(first);

        var grown = Leaves(13);
        var next = witness.Check(Note(grown), MerkleTree.ConsistencyProof(grown, 8), DateTimeOffset.UtcNow);
        next.Accepted.Should().BeTrue(next.Message);
        witness.Keep(Note(grown));

        var rewritten = Leaves(20, salt: 7);
        var refused = witness.Check(Note(rewritten), MerkleTree.ConsistencyProof(rewritten, 13), DateTimeOffset.UtcNow);
        refused.Accepted.Should().BeFalse();
        refused.Message.Should().Contain("size 20").And.Contain("size 13");
        refused.Cosignature.Should().BeNull();

        var shrunk = witness.Check(Note(Leaves(10)), [], DateTimeOffset.UtcNow);
        shrunk.Accepted.Should().BeFalse();
        shrunk.Message.Should().Contain("size 10").And.Contain("size 13");
        witness.LastAccepted()!.Size.Should().Be(13, "a refused checkpoint never replaces the accepted one");
    }

    [Fact]
    public void A_checkpoint_signed_by_another_key_is_refused()
    {
        using var other = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        var witness = new Witness(_state, "witness.test", _witnessKey, [_log.PublicKeyPem]);

        var outcome = witness.Check(Note(Leaves(4), other), [], DateTimeOffset.UtcNow);

        outcome.Accepted.Should().BeFalse();
        outcome.Message.Should().Contain("not signed by the log's key");
    }
}

/// <summary>A witness run against the service: cosigns consistent checkpoints, refuses one over a rebuilt history.</summary>
public sealed class WitnessRunTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>, IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("witness-run-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task The_witness_cosigns_consistent_checkpoints_and_refuses_one_made_after_the_history_was_rebuilt()
    {
        var auditor = api.As(Roles.Auditor);
        var logKey = await auditor.GetStringAsync("/api/v1/audit/public-key");
        var witnessKey = TestKeys.NewCheckpointKeyPem();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(witnessKey);
        var witness = new Witness(_state, "witness.test", witnessKey, [logKey]);
        var checkpoints = api.Services.GetRequiredService<CheckpointService>();

        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        await checkpoints.MakeAsync();
        var first = await WitnessRun.RunAsync(auditor, witness, ecdsa.ExportSubjectPublicKeyInfoPem(), TimeProvider.System);
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var grown = await checkpoints.MakeAsync();
        var second = await WitnessRun.RunAsync(auditor, witness, ecdsa.ExportSubjectPublicKeyInfoPem(), TimeProvider.System);

        first.Accepted.Should().BeTrue(first.Message);
        second.Accepted.Should().BeTrue(second.Message);
        var shown = await (await auditor.GetAsync($"/api/v1/audit/checkpoints/{grown.Id}")).ReadJsonAsync<CheckpointView>();
        shown.Cosignatures.Should().ContainSingle().Which.Witness.Should().Be("witness.test");

        // A superuser edits the first event, removes the chain and the checkpoints and lets the integrator rebuild the
        // chain from scratch; the service's own key signs a checkpoint over the rebuilt history.
        await using (var connection = await api.OpenAsync())
        await using (var rebuild = new Npgsql.NpgsqlCommand("""
                         begin;
                         alter table ledger.mt_events disable trigger audit_guard;
                         alter table ledger.audit_chain disable trigger all;
                         update ledger.mt_events set data = jsonb_set(data, '{operatorId}', '"staff-99"') where seq_id = (select min(seq_id) from ledger.mt_events);
                         alter table ledger.audit_checkpoints disable trigger all;
                         alter table ledger.audit_cosignatures disable trigger all;
                         delete from ledger.audit_chain;
                         delete from ledger.audit_merkle_blocks;
                         delete from ledger.audit_cosignatures;
                         delete from ledger.audit_checkpoints;
                         alter table ledger.audit_cosignatures enable trigger all;
                         alter table ledger.audit_checkpoints enable trigger all;
                         alter table ledger.audit_chain enable trigger all;
                         alter table ledger.mt_events enable trigger audit_guard;
                         commit;
                         """, connection))
        {
            await rebuild.ExecuteNonQueryAsync();
        }

        await api.WaitForChainAsync();
        var forged = await checkpoints.MakeAsync();
        var third = await WitnessRun.RunAsync(auditor, witness, ecdsa.ExportSubjectPublicKeyInfoPem(), TimeProvider.System);

        third.Accepted.Should().BeFalse();
        third.Message.Should().Contain($"size {forged.Sequence}").And.Contain($"size {grown.Sequence}");
        var unsigned = await (await auditor.GetAsync($"/api/v1/audit/checkpoints/{forged.Id}")).ReadJsonAsync<CheckpointView>();
        unsigned.Cosignatures.Should().BeEmpty();
        witness.LastAccepted()!.Size.Should().Be(grown.Sequence);
    }
}
