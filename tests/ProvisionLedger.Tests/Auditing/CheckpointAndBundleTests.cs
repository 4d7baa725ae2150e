using System.Text;
using ProvisionLedger.Integrity;
using ProvisionLedger.Integrity.Verification;

namespace ProvisionLedger.Tests.Auditing;

/// <summary>Signed checkpoints, and audit bundles verified offline.</summary>
public sealed class CheckpointAndBundleTests : IAsyncLifetime, IDisposable
{
    private readonly CheckpointSigner _signer = new(TestKeys.NewCheckpointKeyPem());
    private ChainedLedger _ledger = null!;
    private string _folder = "";

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(CheckpointAndBundleTests));
        await _ledger.AppendLinkagesAsync(10);
        await _ledger.CheckpointAsync(_signer);
        _folder = Directory.CreateTempSubdirectory("bundle-tests-").FullName;
    }

    public void Dispose() => _signer.Dispose();

    public async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await _ledger.DisposeAsync();
    }

    [Fact]
    public async Task Checkpoints_verify_with_the_published_key_and_not_with_another()
    {
        (await _ledger.VerifyAsync(_signer.PublicKeyPem)).Intact.Should().BeTrue();

        using var other = new CheckpointSigner(TestKeys.NewCheckpointKeyPem());
        var report = await _ledger.VerifyAsync(other.PublicKeyPem);

        report.First!.Kind.Should().Be(DivergenceKind.BadSignature);
    }

    [Fact]
    public async Task A_forged_signature_in_the_checkpoint_table_is_reported_as_a_bad_signature()
    {
        await _ledger.ExecuteAsync(
            "begin; alter table ledger.audit_checkpoints disable trigger audit_guard; " +
            "update ledger.audit_checkpoints set chain_head = sha256('forged'::bytea); " +
            "alter table ledger.audit_checkpoints enable trigger audit_guard; commit;");

        var (exit, output) = await _ledger.CliAsync("verify", "--connection", _ledger.ConnectionString);

        exit.Should().Be(1);
        output.Should().Contain("bad-signature");
    }

    [Fact]
    public async Task The_signed_payload_is_plain_text_anyone_can_check()
    {
        var checkpoint = await _ledger.CheckpointAsync(_signer);

        var payload = Encoding.UTF8.GetString(checkpoint.SignedPayload());

        payload.Should().Be(
            $"provision-ledger/checkpoint/v1\nsequence={checkpoint.Sequence}\nchainHead={Convert.ToHexStringLower(checkpoint.ChainHead)}\n" +
            $"merkleRoot={Convert.ToHexStringLower(checkpoint.MerkleRoot)}\nsignedAt={CanonicalEvent.Timestamp(checkpoint.SignedAt.UtcDateTime)}\n" +
            $"keyId={_signer.KeyId}\n");
        CheckpointSigner.Verify(checkpoint, _signer.PublicKeyPem).Should().BeTrue();
    }

    [Fact]
    public async Task A_whole_store_bundle_verifies_offline_and_fails_when_one_byte_changes()
    {
        var bundle = Path.Combine(_folder, "all.json");
        var (exported, exportOutput) = await _ledger.CliAsync("export", "--connection", _ledger.ConnectionString, "--out", bundle);
        exported.Should().Be(0, exportOutput);

        await _ledger.DisposeAsync();
        _ledger = await ChainedLedger.CreateAsync("after-drop");
        var (exit, output) = await _ledger.CliAsync("verify-bundle", bundle);
        exit.Should().Be(0, output);
        output.Should().StartWith("intact:");

        var keyFile = Path.Combine(_folder, "key.pem");
        await File.WriteAllTextAsync(keyFile, _signer.PublicKeyPem);
        (await _ledger.CliAsync("verify-bundle", bundle, "--public-key", keyFile)).Exit.Should().Be(0);

        var text = await File.ReadAllTextAsync(bundle);
        var changedData = Path.Combine(_folder, "changed-data.json");
        await File.WriteAllTextAsync(changedData, ReplaceOnce(text, "staff-17", "staff-18"));
        var changed = await _ledger.CliAsync("verify-bundle", changedData);
        changed.Exit.Should().Be(1);
        changed.Output.Should().Contain("first: changed: seq 1");

        var changedSignature = Path.Combine(_folder, "changed-signature.json");
        var signatureAt = text.IndexOf("\"signature\": \"", StringComparison.Ordinal) + 20;
        var flipped = text[signatureAt] == 'A' ? 'B' : 'A';
        await File.WriteAllTextAsync(changedSignature, text[..signatureAt] + flipped + text[(signatureAt + 1)..]);
        (await _ledger.CliAsync("verify-bundle", changedSignature)).Output.Should().Contain("bad-signature");
    }

    [Fact]
    public async Task A_stream_bundle_and_a_range_bundle_carry_only_their_events_and_verify()
    {
        var stream = await _ledger.ScalarAsync<string>("select stream_id from ledger.mt_events where version = 3 limit 1");
        var streamBundle = Path.Combine(_folder, "stream.json");
        (await _ledger.CliAsync("export", "--connection", _ledger.ConnectionString, "--out", streamBundle, "--stream", stream)).Exit.Should().Be(0);
        var rangeBundle = Path.Combine(_folder, "range.json");
        (await _ledger.CliAsync("export", "--connection", _ledger.ConnectionString, "--out", rangeBundle, "--from", "3", "--to", "6")).Exit.Should().Be(0);

        (await _ledger.CliAsync("verify-bundle", streamBundle)).Exit.Should().Be(0);
        (await _ledger.CliAsync("verify-bundle", rangeBundle)).Exit.Should().Be(0);
        var bundle = System.Text.Json.JsonSerializer.Deserialize<Integrity.Bundles.AuditBundle>(
            await File.ReadAllBytesAsync(rangeBundle), Integrity.Bundles.AuditBundle.Json)!;
        bundle.Events.Select(e => e.SeqId).Should().Equal(3, 4, 5, 6);
    }

    [Fact]
    public async Task Events_newer_than_the_latest_checkpoint_are_left_out_of_a_bundle_and_said_so()
    {
        await _ledger.AppendLinkagesAsync(2);
        var bundle = Path.Combine(_folder, "partial.json");

        var (exit, output) = await _ledger.CliAsync("export", "--connection", _ledger.ConnectionString, "--out", bundle);

        exit.Should().Be(0);
        output.Should().Contain("left out 3 matching event(s)");
    }

    private static string ReplaceOnce(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        return text[..at] + to + text[(at + from.Length)..];
    }
}
