using ProvisionLedger.Integrity;
using ProvisionLedger.Tests.Auditing;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.CommandLine;

/// <summary>The commands against a real ledger: verify, export, verify-bundle and archive, their outcomes and exit codes.</summary>
public sealed class CliLedgerTests : IAsyncLifetime, IDisposable
{
    private readonly CheckpointSigner _signer = new(TestKeys.NewCheckpointKeyPem());
    private ChainedLedger _ledger = null!;
    private string _folder = "";

    public async Task InitializeAsync()
    {
        _ledger = await ChainedLedger.CreateAsync(nameof(CliLedgerTests));
        await _ledger.AppendLinkagesAsync(6);
        await _ledger.CheckpointAsync(_signer);
        _folder = Directory.CreateTempSubdirectory("cli-tests-").FullName;
    }

    public void Dispose() => _signer.Dispose();

    public async Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        await _ledger.DisposeAsync();
    }

    [Fact]
    public async Task Verify_prints_the_summary_and_the_checkpoint_key_id_and_plain_progress_when_not_a_terminal()
    {
        var run = await CliRun.InProcessAsync("verify", "--connection", _ledger.ConnectionString);

        run.Exit.Should().Be(0, run.Error);
        run.Out.Should().StartWith("intact: 12 events chained and verified, 1 checkpoint(s) verified");
        run.Out.Should().Contain($"checkpoint key id {_signer.KeyId}");
        run.Error.Should().Contain("verify: 12 events in");

        var keyFile = await WriteAsync("key.pem", _signer.PublicKeyPem);
        var pinned = await CliRun.InProcessAsync("verify", "--connection", _ledger.ConnectionString, "--public-key", keyFile);
        pinned.Exit.Should().Be(0);
        pinned.Out.Should().Contain($"checked with the --public-key given (key id {_signer.KeyId})");
    }

    [Fact]
    public async Task Verify_on_a_database_without_the_ledger_is_an_error_naming_the_missing_table()
    {
        var server = await PostgresServer.GetAsync();
        var empty = await server.CreateDatabaseAsync("cli-no-ledger");
        try
        {
            (await CliRun.InProcessAsync("verify", "--connection", empty)).ShouldBeOneLineError("is --connection the ledger's database");
        }
        finally
        {
            await server.DropDatabaseAsync(empty);
        }
    }

    [Fact]
    public async Task A_bundle_exports_and_verifies_with_the_key_id_printed()
    {
        var bundle = Path.Combine(_folder, "all.json");

        var export = await CliRun.InProcessAsync("export", "--connection", _ledger.ConnectionString, "--out", bundle);
        var verify = await CliRun.InProcessAsync("verify-bundle", bundle);

        export.Exit.Should().Be(0, export.Error);
        export.Out.Should().Contain($"exported 12 event(s) proven against checkpoint").And.Contain($"key id {_signer.KeyId}");
        verify.Exit.Should().Be(0, verify.Out + verify.Error);
        verify.Out.Should().StartWith("intact: 12 events").And.Contain($"checkpoint key id {_signer.KeyId}");
    }

    [Fact]
    public async Task A_tampered_but_well_formed_bundle_is_not_intact_and_a_malformed_one_is_an_error()
    {
        var bundle = Path.Combine(_folder, "all.json");
        (await CliRun.InProcessAsync("export", "--connection", _ledger.ConnectionString, "--out", bundle)).Exit.Should().Be(0);
        var text = await File.ReadAllTextAsync(bundle);

        var tampered = await CliRun.InProcessAsync("verify-bundle", await WriteAsync("tampered.json", ReplaceOnce(text, "staff-17", "staff-99")));
        tampered.Exit.Should().Be(1, tampered.Out + tampered.Error);
        tampered.Out.Should().StartWith("NOT intact").And.Contain("changed: seq 1");
        var grown = await CliRun.InProcessAsync("verify-bundle", await WriteAsync("grown.json", ReplaceOnce(text, "staff-17", new string('x', 300_000))));
        grown.Exit.Should().Be(1, "an event larger than the read buffer is still read whole: " + grown.Error);
        grown.Out.Should().Contain("changed: seq 1");

        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("empty-object.json", "{}"))).ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("truncated.json", text[..(text.Length / 2)]))).ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("not-json.json", "this is no bundle"))).ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("bad-hex.json", ReplaceOnce(text, "\"eventDigest\": \"", "\"eventDigest\": \"zz"))))
            .ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("other-format.json", ReplaceOnce(text, "audit-bundle/v1", "audit-bundle/v9"))))
            .ShouldBeOneLineError("unknown bundle format");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("no-data.json", ReplaceOnce(text, "\"data\": ", "\"data\": null, \"x\": "))))
            .ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", Path.Combine(_folder, "absent.json"))).ShouldBeOneLineError("does not exist");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("trailing.json", text + "{}"))).ShouldBeOneLineError("not a valid audit bundle");
        (await CliRun.InProcessAsync("verify-bundle", await WriteAsync("events-first.json", "{\"events\": [], " + text.TrimStart()[1..])))
            .ShouldBeOneLineError("'events' where 'format' belongs");
    }

    [Fact]
    public async Task An_export_that_fails_leaves_no_file_behind()
    {
        await using var unsigned = await ChainedLedger.CreateAsync("cli-no-checkpoint");
        await unsigned.AppendLinkagesAsync(2);
        var bundle = Path.Combine(_folder, "none.json");

        var run = await CliRun.InProcessAsync("export", "--connection", unsigned.ConnectionString, "--out", bundle);

        run.ShouldBeOneLineError("There is no checkpoint yet");
        Directory.GetFiles(_folder).Should().BeEmpty();
    }

    [Fact]
    public async Task The_built_program_exits_1_for_a_tampered_bundle()
    {
        var bundle = Path.Combine(_folder, "all.json");
        (await CliRun.InProcessAsync("export", "--connection", _ledger.ConnectionString, "--out", bundle)).Exit.Should().Be(0);
        var tampered = await WriteAsync("tampered.json", ReplaceOnce(await File.ReadAllTextAsync(bundle), "staff-17", "staff-99"));

        var run = await CliRun.ProcessAsync("verify-bundle", tampered);

        run.Exit.Should().Be(1, run.Out + run.Error);
        run.Out.Should().StartWith("NOT intact");
        (await CliRun.ProcessAsync("verify-bundle", bundle)).Exit.Should().Be(0);
    }

    [Fact]
    public async Task Archive_reads_the_cutoff_as_the_start_of_that_day_in_japan_time()
    {
        // 2018-12-31 23:30 and 2019-01-01 00:30 in Japan time: only the first is before 2019-01-01 there, both are in UTC.
        var streams = (await _ledger.ScalarAsync<string[]>("select array_agg(id order by id) from ledger.mt_streams"))[..2];
        await _ledger.ExecuteAsync($"update ledger.mt_streams set timestamp = '2018-12-31T14:30:00Z' where id = '{streams[0]}'");
        await _ledger.ExecuteAsync($"update ledger.mt_streams set timestamp = '2018-12-31T15:30:00Z' where id = '{streams[1]}'");

        var sealKey = await WriteAsync("seal.pem", _ledger.SealKeyPem);
        (await CliRun.InProcessAsync("archive", "--connection", _ledger.ConnectionString, "--before", "2019-01-01", "--by", "test"))
            .ShouldBeOneLineError("archive seals the StreamsArchived event");

        var run = await CliRun.InProcessAsync("archive", "--connection", _ledger.ConnectionString, "--before", "2019-01-01", "--by", "test",
            "--seal-key-file", sealKey);

        run.Exit.Should().Be(0, run.Error);
        run.Out.Should().Contain("archived 1 stream(s) whose last event was recorded before 2019-01-01 00:00 (Japan time)");
        (await _ledger.ScalarAsync<string[]>("select array_agg(id) from ledger.mt_streams where is_archived")).Should().Equal(streams[0]);
        run.Error.Should().Contain("archive: 1 streams in");
        (await CliRun.InProcessAsync("verify", "--connection", _ledger.ConnectionString)).Exit.Should().Be(0, "archiving keeps the chain intact");
    }

    [Fact]
    public async Task Archive_with_nothing_old_enough_says_so_and_on_a_database_without_the_ledger_is_an_error()
    {
        var run = await CliRun.InProcessAsync("archive", "--connection", _ledger.ConnectionString, "--before", "2010-04-01T09:00",
            "--seal-key-file", await WriteAsync("seal.pem", _ledger.SealKeyPem));

        run.Exit.Should().Be(0, run.Error);
        run.Out.Should().Contain("nothing to archive: no stream's last event was recorded before 2010-04-01 09:00 (Japan time)");
        (await _ledger.ScalarAsync<long>("select count(*) from ledger.mt_events where type = 'streams_archived'")).Should().Be(0);

        var server = await PostgresServer.GetAsync();
        var empty = await server.CreateDatabaseAsync("cli-archive-empty");
        try
        {
            (await CliRun.InProcessAsync("archive", "--connection", empty, "--before", "2019-01-01")).ShouldBeOneLineError("the database has no ledger");
            (await _ledger.ScalarAsync<bool>($"select exists (select 1 from pg_database where datname = '{new Npgsql.NpgsqlConnectionStringBuilder(empty).Database}')"))
                .Should().BeTrue();
        }
        finally
        {
            await server.DropDatabaseAsync(empty);
        }
    }

    private async Task<string> WriteAsync(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static string ReplaceOnce(string text, string from, string to)
    {
        var at = text.IndexOf(from, StringComparison.Ordinal);
        at.Should().BeGreaterThanOrEqualTo(0, $"the bundle holds '{from}'");
        return text[..at] + to + text[(at + from.Length)..];
    }
}
