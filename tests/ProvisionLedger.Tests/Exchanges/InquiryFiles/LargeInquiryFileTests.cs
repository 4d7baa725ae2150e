using System.Diagnostics;
using System.Globalization;
using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Exchanges.InquiryFiles;

/// <summary>Given: twenty persons linked at 千代田区.</summary>
public sealed class ApiWithTwentyLinkedRecords : LedgerApi
{
    public IReadOnlyList<string> RecordIds { get; } = Enumerable.Range(1, 20).Select(i => $"CY-{Guid.NewGuid().ToString("n")[..6]}-{i:D2}").ToList();

    protected override async Task GivenAsync()
    {
        foreach (var id in RecordIds)
        {
            await this.LinkAsync(Institutions.Chiyoda, id, MyNumbers.Next());
        }
    }
}

/// <summary>
/// A municipal system's 10,000-line 一括照会 file, in Shift_JIS and in UTF-8: each imports whole, in one request. The
/// Shift_JIS file writes its 宛名番号 in full-width characters, as some systems do: decoded and normalised, they name the
/// records the institution linked.
/// </summary>
public sealed class LargeInquiryFileTests(ApiWithTwentyLinkedRecords api) : IClassFixture<ApiWithTwentyLinkedRecords>
{
    private const int Lines = 10_000;

    [Theory]
    [InlineData("shift_jis", "2025-08-01T08:30:00+09:00")]
    [InlineData("utf-8", "2025-09-01T08:30:00+09:00")]
    public async Task A_file_of_10000_lines_imports_every_line_as_an_inquiry(string charset, string start)
    {
        var first = DateTimeOffset.Parse(start, CultureInfo.InvariantCulture);
        var lines = Enumerable.Range(0, Lines).Select(i => new FileLine(api.RecordIds[i % api.RecordIds.Count], first.AddSeconds(i))).ToList();
        if (charset == "shift_jis")
        {
            lines.ForEach(l => l.With("宛名番号", FullWidth(l.Fields["宛名番号"])));
        }

        var before = await api.EventCountAsync();
        var clock = Stopwatch.StartNew();

        var answer = await api.Institution(Institutions.Chiyoda).ImportAsync(lines, charset);

        clock.Stop();
        answer.Should().BeEquivalentTo(new { Lines, Recorded = Lines });
        (await api.EventCountAsync()).Should().Be(before + Lines + 1, "an inquiry per line, and the file's own record");
        var listed = await api.Institution(Institutions.Chiyoda).FileLinesAsync(answer.FileId, pageSize: 5000);
        listed.Select(l => l.Line).Should().Equal(Enumerable.Range(1, Lines));
        listed.Select(l => l.ExchangeId).Should().OnlyHaveUniqueItems();

        // The last line as its inquirer holds it: its own local record, and the time the line gave.
        var last = await api.Institution(Institutions.Chiyoda).GetAsync(new Uri(ExchangeScenarios.HistoryRoute(listed[^1].ExchangeId), UriKind.Relative));
        await last.ShouldBeAsync(HttpStatusCode.OK, "the last line is an exchange like any other");
        var history = await last.ReadJsonAsync<LastLineHistory>();
        history.Record.Should().BeEquivalentTo(new
        {
            LocalRecordId = api.RecordIds[(Lines - 1) % api.RecordIds.Count], RequestedAt = first.AddSeconds(Lines - 1), InquirerCode = Institutions.Chiyoda,
        });
        Console.WriteLine($"{charset}: {Lines} lines in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static string FullWidth(string ascii) => new(ascii.Select(c => (char)(c + 0xFEE0)).ToArray());

    public sealed record LastLineRecord(string LocalRecordId, DateTimeOffset RequestedAt, string InquirerCode);

    public sealed record LastLineHistory(LastLineRecord Record);
}
