using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ProvisionLedger.Api.Exchanges.ImportingInquiryFile;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Exchanges.RecordingBatch;
using ProvisionLedger.Api.ReferenceData;

namespace ProvisionLedger.Bench;

/// <summary>
/// Inquiries sent in bulk two ways: as 一括照会 files (POST /api/v1/inquiries/files, Shift_JIS) and, beside them, the same
/// kind of inquiries as JSON batches (POST /api/v1/exchanges/batch, inquiries only), each inquirer sending its own.
/// </summary>
public sealed class InquiryFiles(HttpClient client, HttpPhases http, Population population, CodeRegistry codes)
{
    static InquiryFiles() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The inquiries of a series, grouped by inquirer and cut into pieces of at most <paramref name="size"/>.</summary>
    private List<(string Inquirer, List<MakeInquiry> Inquiries)> Pieces(string series, int count, int size, Func<int, int> personOf) =>
        Enumerable.Range(0, count).Select(i => population.Exchange(series, i, personOf(i)).Inquiry)
            .GroupBy(q => q.InquirerCode!, StringComparer.Ordinal)
            .SelectMany(g => g.Chunk(size).Select(chunk => (g.Key, chunk.ToList())))
            .ToList();

    public async Task<PhaseResult> JsonAsync(string series, int count, int batchSize, int clients, Func<int, int> personOf)
    {
        var pieces = Pieces(series, count, batchSize, personOf);
        var recorded = 0;
        var result = await Load.RunAsync($"inquiries as JSON batches (POST /api/v1/exchanges/batch, ≤ {batchSize} per call, inquiries only)", pieces.Count, clients, async unit =>
        {
            var (inquirer, inquiries) = pieces[unit];
            var answer = await Load.SendAsync(client, HttpMethod.Post, "/api/v1/exchanges/batch",
                new RecordBatch([.. inquiries.Select(q => new BatchRecord(q, null))]), http.InstitutionToken(inquirer), HttpStatusCode.Created);
            Interlocked.Add(ref recorded, JsonSerializer.Deserialize<BatchRecorded>(answer, Load.Json)!.Recorded);
        });
        return Checked(result, recorded, count);
    }

    public async Task<PhaseResult> FilesAsync(string series, int count, int linesPerFile, int clients, Func<int, int> personOf)
    {
        var pieces = Pieces(series, count, linesPerFile, personOf);
        var shiftJis = Encoding.GetEncoding("shift_jis");
        var files = pieces.Select(p => (p.Inquirer, Body: shiftJis.GetBytes(string.Concat(p.Inquiries.Select(q => Line(q) + "\r\n"))))).ToList();
        var recorded = 0;
        var result = await Load.RunAsync(
            $"一括照会 files (POST /api/v1/inquiries/files, Shift_JIS, {files.Count} files of ~{count / Math.Max(1, files.Count):N0} lines)", files.Count, clients,
            async unit =>
            {
                var (inquirer, body) = files[unit];
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/inquiries/files") { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv; charset=shift_jis");
                request.Headers.Authorization = LedgerHost.Bearer(http.InstitutionToken(inquirer));
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    throw new BenchException($"a file answered {(int)response.StatusCode}: {text[..Math.Min(600, text.Length)]}");
                }

                Interlocked.Add(ref recorded, JsonSerializer.Deserialize<InquiryFileRecorded>(text, Load.Json)!.Recorded);
            });
        return Checked(result, recorded, count);
    }

    /// <summary>One line in the layout, padded to each field's width, with the code table's file codes.</summary>
    private string Line(MakeInquiry q)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [InquiryFile.NumberSystem] = "01",
            [InquiryFile.LocalRecord] = q.InquirerLocalRecordId!,
            [InquiryFile.RequestedAt] = q.RequestedAt!.Value.ToOffset(TimeSpan.FromHours(9)).ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture),
            [InquiryFile.Department] = "介護保険課",
            [InquiryFile.User] = "bench",
            [InquiryFile.Inquirer] = codes.Institution(q.InquirerCode)!.FileCode!,
            [InquiryFile.NonDisclosure] = q.NonDisclosure is null ? "" : "1",
            [InquiryFile.Affair] = "JM01000000121000",
            [InquiryFile.Procedure] = codes.Procedure(q.ProcedureCode)!.FileCode!,
            [InquiryFile.Provider] = codes.Institution(q.ProviderCode)!.FileCode!,
            [InquiryFile.InfoItem] = codes.InfoItem(q.InfoItemCode)!.FileCode!,
            [InquiryFile.PeriodFrom] = q.Period?.From?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "",
            [InquiryFile.PeriodTo] = q.Period?.To?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? "",
        };
        return string.Join(',', InquiryFile.Layout.Select(f => values.GetValueOrDefault(f.Name, "").PadRight(f.Width)));
    }

    private static PhaseResult Checked(PhaseResult result, int recorded, int count) =>
        recorded != count && result.Failures == 0
            ? throw new BenchException($"{result.Name}: recorded {recorded} of {count} inquiries.")
            : result with { Units = recorded };
}
