using System.Net;
using Npgsql;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.Proving;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>
/// Inclusion proofs on a chain longer than a few Merkle blocks: paths are cut from cached block hashes, and a damaged
/// cache never yields a proof that fails when the chain is intact.
/// </summary>
public sealed class InclusionProofTests(AuditedLedgerApi api) : IClassFixture<AuditedLedgerApi>
{
    private const int Events = 2 * MerkleBlocks.BlockSize + 500;

    private async Task<List<long>> AppendReadsAsync()
    {
        await using var session = api.Store.LightweightSession();
        for (var i = 0; i < Events; i++)
        {
            var id = Guid.NewGuid().ToString("n");
            session.Events.StartStream(ReadAccessKeys.Stream(id), new ReadAccessRecorded(
                id, "auditor:bulk", Roles.Auditor, null, "GET /api/v1/parties/nws/records", "/api/v1/parties/nws/records", "parties/nws",
                null, null, 50, DateTimeOffset.UtcNow));
        }

        await session.SaveChangesAsync();
        await api.WaitForChainAsync();
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand($"select seq_id from {LedgerStore.Schema}.audit_chain order by position", connection);
        var seqs = new List<long>();
        await using var r = await command.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            seqs.Add(r.GetInt64(0));
        }

        return seqs;
    }

    private async Task<InclusionProofView> ProofAsync(long seq, long checkpointId)
    {
        var response = await api.As(Roles.Auditor).GetAsync($"/api/v1/audit/proofs/{seq}?checkpoint={checkpointId}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<InclusionProofView>();
    }

    private static bool Verifies(InclusionProofView proof, CheckpointView checkpoint) =>
        MerkleTree.VerifyInclusion(proof.LeafIndex, proof.TreeSize, Convert.FromHexString(proof.Leaf),
            proof.AuditPath.Select(Convert.FromHexString).ToList(), Convert.FromHexString(checkpoint.MerkleRoot));

    [Fact]
    public async Task Proofs_in_full_blocks_and_in_the_last_partial_block_verify_against_the_signed_root_even_with_a_damaged_cache()
    {
        var seqs = await AppendReadsAsync();
        var checkpoint = await (await api.As(Roles.Auditor).PostAsync("/api/v1/audit/checkpoints", null)).ReadJsonAsync<CheckpointView>();
        await using var connection = await api.OpenAsync();
        await using (var count = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.audit_merkle_blocks", connection))
        {
            ((long)(await count.ExecuteScalarAsync())!).Should().Be(checkpoint.Sequence / MerkleBlocks.BlockSize, "the checkpoint caches its full blocks");
        }

        var positions = new[] { 0, 1, MerkleBlocks.BlockSize - 1, MerkleBlocks.BlockSize, seqs.Count / 2, seqs.Count - 1 };
        foreach (var at in positions)
        {
            var proof = await ProofAsync(seqs[at], checkpoint.Id);
            proof.LeafIndex.Should().Be(at);
            Verifies(proof, checkpoint).Should().BeTrue($"position {at + 1}");
        }

        await using (var spoil = new NpgsqlCommand(
                         $"update {LedgerStore.Schema}.audit_merkle_blocks set hash = sha256(hash) where block = 0", connection))
        {
            (await spoil.ExecuteNonQueryAsync()).Should().Be(1);
        }

        var afterSpoil = await ProofAsync(seqs[MerkleBlocks.BlockSize + 3], checkpoint.Id);
        Verifies(afterSpoil, checkpoint).Should().BeTrue("a wrong cached block is noticed and the path is cut from the whole tree");
    }
}
