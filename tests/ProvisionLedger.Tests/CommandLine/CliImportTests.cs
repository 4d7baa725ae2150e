using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Exchanges.InquiryFiles;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.CommandLine;

/// <summary>The service on Kestrel at a loopback port, so that the CLI reaches it over HTTP as an operator's does.</summary>
public sealed class ApiOnKestrelWithLinkedSubject : ApiWithLinkedSubject
{
    public ApiOnKestrelWithLinkedSubject() => this.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));

    public string Url => ClientOptions.BaseAddress.ToString();
}

/// <summary><c>provision-ledger import FILE --url --token</c>: a 一括照会 file sent to the ledger, with progress.</summary>
public sealed class CliImportTests(ApiOnKestrelWithLinkedSubject api) : IClassFixture<ApiOnKestrelWithLinkedSubject>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cli-import-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private async Task<string> WriteAsync(string name, IEnumerable<FileLine> lines)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllBytesAsync(path, InquiryFileScenarios.Bytes(lines, InquiryFileScenarios.ShiftJis));
        return path;
    }

    [Fact]
    public async Task Import_sends_a_shift_jis_file_records_every_line_and_a_second_import_records_nothing()
    {
        var lines = Enumerable.Range(0, 3).Select(i => new FileLine(api.Person.InquirerRecordId, At("2025-07-07T09:00:00+09:00").AddMinutes(i))).ToList();
        var file = await WriteAsync("chiyoda-0707.csv", lines);
        var token = api.Token("institution", Institutions.Chiyoda);

        var first = await CliRun.InProcessAsync("import", file, "--url", api.Url, "--token", token);
        var again = await CliRun.InProcessAsync("import", file, "--url", api.Url, "--token", token);

        first.Exit.Should().Be(0, first.Error);
        first.Out.Should().StartWith("recorded: chiyoda-0707.csv, 3 of 3 lines, file id IF-131016-");
        first.Error.Should().Contain("import: ").And.Contain(" bytes in ", "the progress ends with the bytes sent");
        var fileId = first.Out.Trim().Split(' ')[^1];
        (await api.Institution(Institutions.Chiyoda).FileLinesAsync(fileId)).Should().HaveCount(3);
        again.Exit.Should().Be(0, again.Error);
        again.Out.Should().StartWith($"already recorded: chiyoda-0707.csv, 3 lines, file id {fileId}");
    }

    [Fact]
    public async Task A_refused_file_lists_every_bad_line_and_exits_2_with_one_error_line()
    {
        var lines = new[]
        {
            new FileLine(api.Person.InquirerRecordId, At("2025-07-08T09:00:00+09:00")),
            new FileLine(api.Person.InquirerRecordId, At("2025-07-08T09:00:00+09:00")).With("照会依頼日時", "20250708"),
            new FileLine(api.UnlinkedRecordId, At("2025-07-08T09:00:00+09:00")),
        };
        var file = await WriteAsync("bad.csv", lines);
        var before = await api.EventCountAsync();

        var run = await CliRun.InProcessAsync("import", file, "--url", api.Url, "--token", api.Token("institution", Institutions.Chiyoda));

        // The upload itself finished (its progress line), then the ledger refused: one error line, exit 2.
        run.Exit.Should().Be(2, run.Error);
        run.ErrorLines.Should().HaveCount(2).And.ContainSingle(l => l.StartsWith("error: ", StringComparison.Ordinal))
            .Which.Should().Contain("the ledger refused bad.csv (400").And.Contain("nothing was recorded");
        run.Error.Should().NotContain("   at ");
        run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo(
            ["line 2: 照会依頼日時 must be yyyyMMddHHmmssfff (Japan time).", "line 3: 宛名番号 is not linked to a person at this institution."]);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Import_of_a_missing_file_or_with_a_bad_url_is_a_one_line_error()
    {
        (await CliRun.InProcessAsync("import", Path.Combine(_folder, "none.csv"), "--url", api.Url, "--token", "x"))
            .ShouldBeOneLineError("does not exist");
        (await CliRun.InProcessAsync("import", "x.csv", "--url", "ledger.example", "--token", "x"))
            .ShouldBeOneLineError("--url must be an http(s) address");
    }
}
