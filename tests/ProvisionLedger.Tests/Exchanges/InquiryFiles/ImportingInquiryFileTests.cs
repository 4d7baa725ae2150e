using System.Globalization;
using System.Net;
using System.Text;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Mynaportal;
using ProvisionLedger.Tests.Parties;
using ProvisionLedger.Tests.Statistics;

namespace ProvisionLedger.Tests.Exchanges.InquiryFiles;

public sealed record PeriodAnswer(DateOnly? From, DateOnly? To);

public sealed record CopyWithPeriod(string ExchangeId, PeriodAnswer? Period, bool NonDisclosed);

public sealed record CopiesWithPeriod(IReadOnlyList<CopyWithPeriod> Items, string? NextCursor);

/// <summary>
/// POST /api/v1/inquiries/files: a 一括照会 file, every line an inquiry under the rules of POST /exchanges, all or nothing;
/// GET /api/v1/inquiries/files/{fileId}: which exchange each line became.
/// </summary>
public sealed class ImportingInquiryFileTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    private HttpClient Chiyoda => api.Institution(Institutions.Chiyoda);

    private FileLine Line(DateTimeOffset requestedAt) => new(api.Person.InquirerRecordId, requestedAt);

    [Fact]
    public async Task Every_line_of_a_file_becomes_an_inquiry_in_the_three_party_copies_the_persons_view_and_the_statistics()
    {
        var lines = new[]
        {
            Line(At("2025-05-07T09:00:00+09:00")),
            Line(At("2025-05-07T09:00:01+09:00")).With("照会側不開示コード", "1"),
            Line(At("2025-05-07T09:00:02+09:00")).With("照会開始日付", "").With("照会終了日付", ""),
        };

        var answer = await Chiyoda.ImportAsync(lines);

        answer.Should().BeEquivalentTo(new { Lines = 3, Recorded = 3 });
        answer.FileId.Should().StartWith($"IF-{Institutions.Chiyoda}-");
        var listed = await Chiyoda.FileLinesAsync(answer.FileId);
        listed.Should().Equal(Enumerable.Range(1, 3).Select(n => new InquiryFileLineAnswer(n, $"{answer.FileId}-{n:D5}")));
        var ids = listed.Select(l => l.ExchangeId).ToArray();

        var nws = await api.NwsCopyAsync(ids[0]);
        nws.Should().BeEquivalentTo(new
        {
            InquirerCode = Institutions.Chiyoda, ProviderCode = Institutions.Sapporo, ProcedureCode = ExchangeScenarios.ChildAllowance,
            InfoItemCode = ExchangeScenarios.TaxInfo, RequestedAt = At("2025-05-07T09:00:00+09:00"), NonDisclosed = false,
        });
        (await api.InquirerCopyAsync(api.Person, ids[0])).LocalRecordId.Should().Be(api.Person.InquirerRecordId);
        (await api.ProviderCopyAsync(api.Person, ids[0])).InquirerCode.Should().Be(Institutions.Chiyoda);
        (await api.InquirerCopyAsync(api.Person, ids[1])).NonDisclosed.Should().BeTrue("照会側不開示コード 1 marks the record on the inquirer's side");

        var periods = await CopiesAsync(ids);
        periods[ids[0]].Period.Should().Be(new PeriodAnswer(new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31)));
        periods[ids[2]].Period.Should().BeNull("a blank 照会開始日付 asks for the latest information only");

        var view = await api.PortalRecordsAsync(api.Person.MyNumber);
        view.Select(r => r.RequestedAt).Should().Contain([At("2025-05-07T09:00:00+09:00"), At("2025-05-07T09:00:02+09:00")])
            .And.NotContain(At("2025-05-07T09:00:01+09:00"), "the non-disclosed line never reaches the person's view");

        await api.WaitForProjectionsAsync(TimeSpan.FromSeconds(60));
        var usage = await (await api.As(Roles.Auditor).GetAsync(new Uri($"/api/v1/statistics/usage?from=2025-05&to=2025-05&inquirerCode={Institutions.Chiyoda}", UriKind.Relative)))
            .ReadJsonAsync<UsageAnswer>();
        usage.Items.Should().ContainSingle().Which.Inquiries.Should().Be(3);
    }

    [Fact]
    public async Task The_same_file_again_is_answered_200_with_the_same_answer_and_records_nothing()
    {
        var lines = new[] { Line(At("2025-06-03T10:00:00+09:00")), Line(At("2025-06-03T10:05:00+09:00")) };
        var first = await Chiyoda.ImportAsync(lines, "shift_jis");
        var before = await api.EventCountAsync();

        var again = await Chiyoda.PostFileAsync(lines, "shift_jis");
        var byNws = await api.As(Roles.Nws).PostFileAsync(lines, "shift_jis");

        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(InquiryFileScenarios.Bytes(lines, InquiryFileScenarios.ShiftJis)));
        first.FileId.Should().Be($"IF-{Institutions.Chiyoda}-{digest[..24]}", "the file's id is its institution and the first 24 hex digits of its SHA-256");
        await again.ShouldBeAsync(HttpStatusCode.OK, "a file sent again is recognised");
        (await again.ReadJsonAsync<InquiryFileAnswer>()).Should().Be(first);
        await byNws.ShouldBeAsync(HttpStatusCode.OK, "the same file is the same file whoever sends it");
        (await byNws.ReadJsonAsync<InquiryFileAnswer>()).Should().Be(first);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task A_file_with_bad_lines_is_refused_naming_every_bad_line_and_field_and_nothing_is_written()
    {
        var lines = new[]
        {
            Line(At("2025-06-04T10:00:00+09:00")),
            Line(At("2025-06-04T10:00:00+09:00")).With("照会依頼日時", "2025-06-04 10:00"),
            Line(At("2025-06-04T10:00:00+09:00")),
            Line(At("2025-06-04T10:00:00+09:00")).With("特定個人情報名コード", "TM99999999999999"),
            new FileLine(api.UnlinkedRecordId, At("2025-06-04T10:00:00+09:00")),
            Line(DateTimeOffset.UtcNow.AddDays(2)),
            Line(At("2025-06-04T10:00:00+09:00")).With("照会開始日付", "20241231").With("照会終了日付", "20240101"),
        };
        var text = InquiryFileScenarios.Text(lines) + "01,too,few,fields\r\n";

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest,
            () => Chiyoda.PostFileAsync(Encoding.UTF8.GetBytes(text), "text/csv; charset=utf-8"));

        problem.Errors!.Keys.Should().BeEquivalentTo(
            "lines[2].照会依頼日時", "lines[4].特定個人情報名コード", "lines[5].宛名番号", "lines[6].照会依頼日時", "lines[7].照会終了日付", "lines[8].line");
        problem.Errors["lines[2].照会依頼日時"].Should().ContainSingle().Which.Should().StartWith("line 2: 照会依頼日時 ");
        problem.Errors["lines[5].宛名番号"].Single().Should().Contain("not linked");
        problem.Errors["lines[6].照会依頼日時"].Single().Should().Contain("future");
        problem.Errors["lines[8].line"].Single().Should().StartWith("line 8: has 4 fields");
    }

    [Fact]
    public async Task A_file_over_the_line_or_byte_limit_is_refused_with_413()
    {
        var tooManyLines = string.Concat(Enumerable.Repeat("x\n", 20_001));
        var tooManyBytes = new byte[(8 * 1024 * 1024) + 1];
        Array.Fill(tooManyBytes, (byte)'x');

        await api.RefusesAsync(HttpStatusCode.RequestEntityTooLarge,
            () => Chiyoda.PostFileAsync(Encoding.ASCII.GetBytes(tooManyLines), "text/csv; charset=utf-8"));
        await api.RefusesAsync(HttpStatusCode.RequestEntityTooLarge,
            () => Chiyoda.PostFileAsync(tooManyBytes, "text/csv; charset=utf-8"));
    }

    [Fact]
    public async Task An_institution_sends_only_its_own_inquiries_and_only_it_the_network_system_and_auditors_read_the_file()
    {
        var lines = new[] { Line(At("2025-06-05T10:00:00+09:00")) };

        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.Institution(Institutions.Shinjuku).PostFileAsync(lines));
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.As(Roles.Mynaportal).PostFileAsync(lines));
        var answer = await Chiyoda.ImportAsync(lines);

        (await api.Institution(Institutions.Shinjuku).GetAsync(new Uri(InquiryFileScenarios.FileRoute(answer.FileId), UriKind.Relative)))
            .StatusCode.Should().Be(HttpStatusCode.NotFound, "another institution is not told the file exists");
        (await api.Institution(Institutions.Sapporo).GetAsync(new Uri(InquiryFileScenarios.FileRoute(answer.FileId), UriKind.Relative)))
            .StatusCode.Should().Be(HttpStatusCode.NotFound, "the provider of its inquiries does not read the inquirer's file either");
        (await api.As(Roles.IncidentResponder).GetAsync(new Uri(InquiryFileScenarios.FileRoute(answer.FileId), UriKind.Relative)))
            .StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await api.As(Roles.Nws).FileLinesAsync(answer.FileId)).Should().ContainSingle();
        (await api.As(Roles.Auditor).FileLinesAsync(answer.FileId)).Should().ContainSingle();
        (await Chiyoda.GetAsync(new Uri(InquiryFileScenarios.FileRoute($"IF-{Institutions.Chiyoda}-000000000000000000000000"), UriKind.Relative)))
            .StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_listing_pages_by_sealed_cursor_and_refuses_a_cursor_of_another_file()
    {
        var first = await Chiyoda.ImportAsync(Enumerable.Range(0, 5).Select(i => Line(At("2025-06-06T10:00:00+09:00").AddMinutes(i))));
        var second = await Chiyoda.ImportAsync([Line(At("2025-06-06T11:00:00+09:00")), Line(At("2025-06-06T11:01:00+09:00"))]);

        var paged = await Chiyoda.FileLinesAsync(first.FileId, pageSize: 2);
        var page = await (await Chiyoda.GetAsync(new Uri($"{InquiryFileScenarios.FileRoute(first.FileId)}?pageSize=1", UriKind.Relative)))
            .ReadJsonAsync<InquiryFilePageAnswer>();
        var foreign = await Chiyoda.GetAsync(new Uri(
            $"{InquiryFileScenarios.FileRoute(second.FileId)}?cursor={Uri.EscapeDataString(page.NextCursor!)}", UriKind.Relative));

        paged.Select(l => l.Line).Should().Equal(1, 2, 3, 4, 5);
        paged.Select(l => l.ExchangeId).Should().OnlyHaveUniqueItems().And.OnlyContain(id => id.StartsWith(first.FileId, StringComparison.Ordinal));
        foreign.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await foreign.ReadProblemAsync()).ShouldName("cursor");
    }

    [Fact]
    public async Task A_file_in_another_charset_or_with_bytes_invalid_in_its_charset_is_refused_and_nothing_is_written()
    {
        var lines = new[] { Line(At("2025-06-07T10:00:00+09:00")), Line(At("2025-06-07T10:01:00+09:00")) };
        var utf8 = InquiryFileScenarios.Bytes(lines, new UTF8Encoding(false));
        var shiftJis = InquiryFileScenarios.Bytes(lines, InquiryFileScenarios.ShiftJis);
        // A Shift_JIS lead byte followed by a comma: no character of Shift_JIS.
        var broken = (byte[])[.. InquiryFileScenarios.Bytes(lines.Take(1), InquiryFileScenarios.ShiftJis), 0x30, 0x31, 0x82, 0x2C, 0x0D, 0x0A];

        await api.RefusesAsync(HttpStatusCode.UnsupportedMediaType, () => Chiyoda.PostFileAsync(utf8, "text/csv; charset=iso-8859-1"));
        await api.RefusesAsync(HttpStatusCode.UnsupportedMediaType, () => Chiyoda.PostFileAsync(utf8, "text/csv"));
        await api.RefusesAsync(HttpStatusCode.UnsupportedMediaType, () => Chiyoda.PostFileAsync(utf8, "application/json; charset=utf-8"));
        var declaredUtf8 = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Chiyoda.PostFileAsync(shiftJis, "text/csv; charset=utf-8"));
        var badShiftJis = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Chiyoda.PostFileAsync(broken, "text/csv; charset=shift_jis"));

        declaredUtf8.Errors!.Keys.Should().BeEquivalentTo("lines[1].line", "lines[2].line");
        badShiftJis.Errors!.Keys.Should().BeEquivalentTo("lines[2].line");
        badShiftJis.Errors["lines[2].line"].Single().Should().Contain("shift_jis");
    }

    private async Task<Dictionary<string, CopyWithPeriod>> CopiesAsync(IReadOnlyCollection<string> ids)
    {
        var found = new Dictionary<string, CopyWithPeriod>();
        string? cursor = null;
        do
        {
            var page = await (await api.As(Roles.Nws).GetAsync(new Uri(PartyScenarios.NwsRecords.With("pageSize", "500").With("cursor", cursor), UriKind.Relative)))
                .ReadJsonAsync<CopiesWithPeriod>();
            foreach (var copy in page.Items.Where(c => ids.Contains(c.ExchangeId)))
            {
                found[copy.ExchangeId] = copy;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return found;
    }
}
