using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Exchanges.InquiryFiles;

/// <summary>The answer to a recorded 一括照会 file (API.md).</summary>
public sealed record InquiryFileAnswer(string FileId, int Lines, int Recorded);

public sealed record InquiryFileLineAnswer(int Line, string ExchangeId);

public sealed record InquiryFilePageAnswer(string FileId, string InquirerCode, int Lines, int Recorded, IReadOnlyList<InquiryFileLineAnswer> Items, string? NextCursor);

/// <summary>
/// One line of a bulk inquiry file as a municipal system writes it (../shared/data/bulk-inquiry-layout.md): the fields in
/// order, each padded with spaces to its width, joined by commas. Values are the file codes of the shipped code table.
/// </summary>
public sealed class FileLine
{
    /// <summary>The layout, restated here from the layout document rather than taken from the service.</summary>
    public static readonly (string Name, int Width)[] Layout =
    [
        ("番号体系", 2), ("宛名番号", 15), ("統合宛名番号", 15), ("照会依頼日時", 17), ("情報照会者部署コード", 20), ("情報照会者ユーザーID", 20),
        ("情報照会者機関コード", 16), ("照会側不開示コード", 1), ("事務コード", 16), ("事務手続きコード", 16), ("情報照会者機関コード（委任元）", 16),
        ("情報提供者機関コード（委任元）", 16), ("情報提供者機関コード", 16), ("特定個人情報名コード", 16), ("照会条件区分", 1), ("照会年度区分", 1),
        ("照会開始日付", 8), ("照会終了日付", 8),
    ];

    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public FileLine(string localRecordId, DateTimeOffset requestedAt, string inquirerFileCode = FileCodes.Chiyoda, string providerFileCode = FileCodes.Sapporo)
    {
        foreach (var (name, _) in Layout)
        {
            Fields[name] = "";
        }

        Fields["番号体系"] = "01";
        Fields["宛名番号"] = localRecordId;
        Fields["照会依頼日時"] = requestedAt.ToOffset(TimeSpan.FromHours(9)).ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        Fields["情報照会者部署コード"] = "児童手当課";
        Fields["情報照会者ユーザーID"] = "staff-17";
        Fields["情報照会者機関コード"] = inquirerFileCode;
        Fields["事務コード"] = "JM01000000121000";
        Fields["事務手続きコード"] = FileCodes.ChildAllowance;
        Fields["情報提供者機関コード"] = providerFileCode;
        Fields["特定個人情報名コード"] = FileCodes.TaxInfo;
        Fields["照会条件区分"] = "1";
        Fields["照会年度区分"] = "1";
        Fields["照会開始日付"] = "20240101";
        Fields["照会終了日付"] = "20241231";
    }

    public FileLine With(string field, string value)
    {
        Fields[field] = value;
        return this;
    }

    public override string ToString() => string.Join(',', Layout.Select(f => Fields[f.Name].PadRight(f.Width)));
}

/// <summary>File codes of the shipped code table (ReferenceData/reference-codes.json, illustrative).</summary>
public static class FileCodes
{
    public const string Chiyoda = "1310160000000000";
    public const string Shinjuku = "1310410000000000";
    public const string Sapporo = "0110020000000000";

    /// <summary>Procedure 74, 児童手当.</summary>
    public const string ChildAllowance = "JT01010000000074";

    /// <summary>Item 2, 地方税関係情報.</summary>
    public const string TaxInfo = "TM00000000000002";
}

public static class InquiryFileScenarios
{
    public const string Route = "/api/v1/inquiries/files";

    static InquiryFileScenarios() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static Encoding ShiftJis => Encoding.GetEncoding("shift_jis");

    /// <summary>The file's text: its lines joined by CRLF, as Windows systems write them, with a final line end.</summary>
    public static string Text(IEnumerable<FileLine> lines) => string.Concat(lines.Select(l => l + "\r\n"));

    public static byte[] Bytes(IEnumerable<FileLine> lines, Encoding encoding) => encoding.GetBytes(Text(lines));

    public static Task<HttpResponseMessage> PostFileAsync(this HttpClient client, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return client.PostAsync(new Uri(Route, UriKind.Relative), content);
    }

    public static Task<HttpResponseMessage> PostFileAsync(this HttpClient client, IEnumerable<FileLine> lines, string charset = "utf-8") =>
        client.PostFileAsync(Bytes(lines, charset == "shift_jis" ? ShiftJis : new UTF8Encoding(false)), $"text/csv; charset={charset}");

    /// <summary>Sends a file that must be recorded as new; returns the answer.</summary>
    public static async Task<InquiryFileAnswer> ImportAsync(this HttpClient client, IEnumerable<FileLine> lines, string charset = "utf-8")
    {
        var response = await client.PostFileAsync(lines, charset);
        await response.ShouldBeAsync(HttpStatusCode.Created, "the file was expected to be recorded");
        return await response.ReadJsonAsync<InquiryFileAnswer>();
    }

    public static string FileRoute(string fileId) => $"{Route}/{Uri.EscapeDataString(fileId)}";

    /// <summary>Every line of a recorded file with its exchange id, following the listing's cursors.</summary>
    public static async Task<List<InquiryFileLineAnswer>> FileLinesAsync(this HttpClient client, string fileId, int? pageSize = null)
    {
        var all = new List<InquiryFileLineAnswer>();
        string? cursor = null;
        do
        {
            var url = FileRoute(fileId) + "?" + (pageSize is { } size ? $"pageSize={size}&" : "") + (cursor is null ? "" : $"cursor={Uri.EscapeDataString(cursor)}");
            var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            await response.ShouldBeAsync(HttpStatusCode.OK, "reading the file's lines");
            var page = await response.ReadJsonAsync<InquiryFilePageAnswer>();
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return all;
    }
}
