using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using ProvisionLedger.Api.Auditing.Checkpointing;
using ProvisionLedger.Api.Auditing.Proving;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Verification;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>The service with a checkpoint directory outside the database and a log origin of its own.</summary>
public sealed class ArchivedLedgerApi : AuditedLedgerApi
{
    public string CheckpointDirectory { get; } = Path.Combine(Path.GetTempPath(), $"ledger-checkpoints-{Guid.NewGuid():n}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Ledger:Audit:CheckpointDirectory", CheckpointDirectory);
        builder.UseSetting("Ledger:Audit:Origin", "ledger.test/audit");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(CheckpointDirectory))
        {
            Directory.Delete(CheckpointDirectory, recursive: true);
        }
    }
}

/// <summary>Checkpoints kept outside the database, served as C2SP signed notes, proven consistent, and cosigned by witnesses.</summary>
public sealed class CheckpointOutsideTests(ArchivedLedgerApi api) : IClassFixture<ArchivedLedgerApi>
{
    private const string Checkpoints = "/api/v1/audit/checkpoints";

    [Fact]
    public async Task A_checkpoint_is_a_signed_note_and_is_also_written_to_the_checkpoint_directory()
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var auditor = api.As(Roles.Auditor);
        var publicKey = await auditor.GetStringAsync("/api/v1/audit/public-key");

        var view = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();
        var served = await auditor.GetStringAsync($"{Checkpoints}/{view.Id}/note");

        var note = CheckpointNote.Parse(served);
        note.Origin.Should().Be("ledger.test/audit");
        note.Size.Should().Be(view.Sequence);
        Convert.ToHexStringLower(note.RootHash).Should().Be(view.MerkleRoot);
        note.IsSignedBy(publicKey).Should().BeTrue();
        view.Note.Should().Be(served);
        (await File.ReadAllLinesAsync(Path.Combine(api.CheckpointDirectory, CheckpointArchive.LogFile)))
            .Should().Contain(line => line.Contains($"\"id\":{view.Id},", StringComparison.Ordinal));
        (await File.ReadAllTextAsync(Path.Combine(api.CheckpointDirectory, $"checkpoint-{view.Sequence}-{view.Id}.note"))).Should().Be(served);
    }

    [Fact]
    public async Task A_consistency_proof_links_two_signed_checkpoints()
    {
        var auditor = api.As(Roles.Auditor);
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var first = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.LinkAsync(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var second = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();

        var proof = await (await auditor.GetAsync($"/api/v1/audit/consistency?from={first.Sequence}&to={second.Sequence}"))
            .ReadJsonAsync<ConsistencyProofView>();

        second.Sequence.Should().BeGreaterThan(first.Sequence);
        MerkleTree.VerifyConsistency(first.Sequence, second.Sequence, Convert.FromHexString(first.MerkleRoot), Convert.FromHexString(second.MerkleRoot),
            proof.Proof.Select(Convert.FromHexString).ToList()).Should().BeTrue();
        MerkleTree.VerifyConsistency(first.Sequence, second.Sequence, SHA256.HashData(Convert.FromHexString(first.MerkleRoot)),
            Convert.FromHexString(second.MerkleRoot), proof.Proof.Select(Convert.FromHexString).ToList()).Should().BeFalse();
    }

    [Theory]
    [InlineData("from=x&to=1", "from")]
    [InlineData("to=1", "from")]
    [InlineData("from=1&to=999999999", "to")]
    [InlineData("from=3&to=2", "from")]
    public async Task A_bad_consistency_request_is_a_400_naming_the_field(string query, string field)
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();

        var response = await api.As(Roles.Auditor).GetAsync($"/api/v1/audit/consistency?{query}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).Errors.Should().ContainKey(field);
    }

    [Fact]
    public async Task A_witness_cosignature_posted_back_is_shown_with_the_checkpoint_and_a_forged_one_is_refused()
    {
        await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        await api.WaitForChainAsync();
        var auditor = api.As(Roles.Auditor);
        var view = await (await auditor.PostAsync(Checkpoints, null)).ReadJsonAsync<CheckpointView>();
        var witnessKey = TestKeys.NewCheckpointKeyPem();
        using var witness = ECDsa.Create();
        witness.ImportFromPem(witnessKey);
        var note = CheckpointNote.Parse(view.Note!);
        var line = CheckpointNote.Sign("witness.test", witnessKey, note.Text, DateTimeOffset.UtcNow);
        var text = new CheckpointNote(note.Origin, note.Size, note.RootHash, [line]).ToString().Split('\n')[^2];
        var otherKey = TestKeys.NewCheckpointKeyPem();
        using var other = ECDsa.Create();
        other.ImportFromPem(otherKey);

        var posted = await auditor.PostJsonAsync($"{Checkpoints}/{view.Id}/cosignatures", new { line = text, publicKeyPem = witness.ExportSubjectPublicKeyInfoPem() });
        var forged = await auditor.PostJsonAsync($"{Checkpoints}/{view.Id}/cosignatures", new { line = text, publicKeyPem = other.ExportSubjectPublicKeyInfoPem() });

        posted.StatusCode.Should().Be(HttpStatusCode.Created);
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await forged.ReadProblemAsync()).Errors.Should().ContainKey("line");
        var shown = await (await auditor.GetAsync($"{Checkpoints}/{view.Id}")).ReadJsonAsync<CheckpointView>();
        shown.Cosignatures.Should().ContainSingle().Which.Witness.Should().Be("witness.test");
        CheckpointNote.Parse(shown.Note!).CosignaturesBy(witness.ExportSubjectPublicKeyInfoPem()).Should().ContainSingle();
    }
}

/// <summary>Keys: Production refuses to start without a checkpoint key.</summary>
public sealed class ProductionKeyTests
{
    [Fact]
    public async Task In_production_the_service_refuses_to_start_without_a_checkpoint_key()
    {
        var api = new KeylessProductionApi();
        try
        {
            var act = () => ((IAsyncLifetime)api).InitializeAsync();

            (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Ledger:Audit:SigningKeyPath");
        }
        finally
        {
            await ((IAsyncLifetime)api).DisposeAsync();
        }
    }

    private sealed class KeylessProductionApi : LedgerApi
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }
}

/// <summary>
/// Whoever runs the service holds its keys and can rebuild the whole history: new chain, new seals, new checkpoints, all
/// valid. An auditor who kept an older checkpoint catches it; after a key rotation old checkpoints still verify by key id.
/// </summary>
public sealed class TrustedCheckpointTests : IAsyncLifetime
{
    private ChainedLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(TrustedCheckpointTests));
        await _ledger.AppendLinkagesAsync(10);
    }

    public async Task DisposeAsync() => await _ledger.DisposeAsync();

    [Fact]
    public async Task A_history_rebuilt_with_the_services_own_keys_is_caught_by_a_checkpoint_kept_from_before()
    {
        using var signer = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        var kept = await _ledger.CheckpointAsync(signer);
        var keptFile = Path.GetTempFileName();
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keptFile, kept.Note()!.ToString());
        await File.WriteAllTextAsync(keyFile, signer.PublicKeyPem);
        try
        {
            // The operator deletes event 5 and rebuilds everything after it with the keys the service holds.
            await _ledger.ExecuteAsync("""
                begin;
                alter table ledger.mt_events disable trigger audit_guard;
                alter table ledger.audit_chain disable trigger all;
                alter table ledger.audit_seals disable trigger all;
                alter table ledger.audit_checkpoints disable trigger all;
                delete from ledger.mt_events where seq_id = 5;
                delete from ledger.audit_chain;
                delete from ledger.audit_seals;
                delete from ledger.audit_checkpoints;
                commit;
                """);
            await _ledger.ResealAllAsync();
            await _ledger.IntegrateAsync();
            await _ledger.CheckpointAsync(signer);
            (await _ledger.VerifyAsync(signer.PublicKeyPem)).Intact.Should().BeTrue("a rebuild with the service's own keys is self-consistent");

            var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString, "--public-key", keyFile,
                "--seal-key", await _ledger.SealPublicKeyFileAsync(), "--trusted-checkpoint", keptFile);

            exit.Should().Be(1, output);
            output.Should().Contain($"not consistent with the trusted checkpoint {Path.GetFileName(keptFile)} at size {kept.Sequence}");
        }
        finally
        {
            File.Delete(keptFile);
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task After_a_key_rotation_old_checkpoints_verify_by_key_id_with_every_published_key()
    {
        using var old = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        using var current = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        await _ledger.CheckpointAsync(old);
        await _ledger.AppendLinkagesAsync(2);
        await _ledger.CheckpointAsync(current);

        var both = await _ledger.Tables.VerifyAsync(_ledger.DataSource, new Integrity.Storage.VerifyOptions
        {
            TrustedCheckpointKeys = [old.PublicKeyPem, current.PublicKeyPem], TrustedSealKeys = [_ledger.Sealer.PublicKeyPem],
        });
        var currentOnly = await _ledger.Tables.VerifyAsync(_ledger.DataSource, new Integrity.Storage.VerifyOptions
        {
            TrustedCheckpointKeys = [current.PublicKeyPem], TrustedSealKeys = [_ledger.Sealer.PublicKeyPem],
        });

        both.Intact.Should().BeTrue(both.Summary());
        both.CheckpointsChecked.Should().Be(2);
        currentOnly.Divergences.Should().ContainSingle().Which.Should().Match<Divergence>(d =>
            d.Kind == DivergenceKind.BadSignature && d.Detail.Contains(old.KeyId));
    }
}
