using System.Globalization;
using System.Text;
using ProvisionLedger.Api.Exchanges.MakingInquiry;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.ReferenceData;

namespace ProvisionLedger.Api.Exchanges.ImportingInquiryFile;

/// <summary>One line of a 一括照会 file: the inquiry it asks for, without its exchange id (the ledger assigns it).</summary>
public sealed record InquiryFileLine(int LineNumber, MakeInquiry Inquiry);

/// <summary>
/// A bulk inquiry file (一括照会) in the layout of ../shared/data/bulk-inquiry-layout.md: one inquiry per line, 18 fields
/// joined by commas, each at most its width and padded with trailing spaces (half- or full-width), codes from the code
/// table's <c>fileCode</c>s. Every bad line is reported by number and field, as <c>lines[17].照会依頼日時</c> with the
/// message <c>line 17: 照会依頼日時 …</c>; lines count from 1.
/// </summary>
public static class InquiryFile
{
    public const string NumberSystem = "番号体系";
    public const string LocalRecord = "宛名番号";
    public const string IntegratedRecord = "統合宛名番号";
    public const string RequestedAt = "照会依頼日時";
    public const string Department = "情報照会者部署コード";
    public const string User = "情報照会者ユーザーID";
    public const string Inquirer = "情報照会者機関コード";
    public const string NonDisclosure = "照会側不開示コード";
    public const string Affair = "事務コード";
    public const string Procedure = "事務手続きコード";
    public const string DelegatingInquirer = "情報照会者機関コード（委任元）";
    public const string DelegatingProvider = "情報提供者機関コード（委任元）";
    public const string Provider = "情報提供者機関コード";
    public const string InfoItem = "特定個人情報名コード";
    public const string Condition = "照会条件区分";
    public const string FiscalYear = "照会年度区分";
    public const string PeriodFrom = "照会開始日付";
    public const string PeriodTo = "照会終了日付";

    /// <summary>The fields of a line, in order, with their widths.</summary>
    public static readonly IReadOnlyList<(string Name, int Width)> Layout =
    [
        (NumberSystem, 2), (LocalRecord, 15), (IntegratedRecord, 15), (RequestedAt, 17), (Department, 20), (User, 20), (Inquirer, 16),
        (NonDisclosure, 1), (Affair, 16), (Procedure, 16), (DelegatingInquirer, 16), (DelegatingProvider, 16), (Provider, 16),
        (InfoItem, 16), (Condition, 1), (FiscalYear, 1), (PeriodFrom, 8), (PeriodTo, 8),
    ];

    /// <summary>The reason recorded for a 照会側不開示コード: the file says that the record is non-disclosed, not why.</summary>
    public const string NonDisclosureReason = "other";

    /// <summary>The request fields of an inquiry (POST /exchanges) as a file names them.</summary>
    private static readonly Dictionary<string, string> FileNames = new(StringComparer.Ordinal)
    {
        ["exchangeId"] = Inquirer, ["inquirerCode"] = Inquirer, ["providerCode"] = Provider, ["procedureCode"] = Procedure,
        ["infoItemCode"] = InfoItem, ["inquirerLocalRecordId"] = LocalRecord, ["inquiry.inquirerLocalRecordId"] = LocalRecord, ["inquiry.requestedAt"] = RequestedAt,
        ["period.from"] = PeriodFrom, ["period.to"] = PeriodTo, ["requestedAt"] = RequestedAt, ["nonDisclosure.reason"] = NonDisclosure,
    };

    static InquiryFile()
    {
        // Shift_JIS (code page 932) is not built into .NET; the code pages provider adds it. Registering twice is harmless.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>The encodings a file may come in, by the charset of its Content-Type; decoding is strict, a bad byte is an error.</summary>
    public static Encoding? EncodingFor(string? charset) => charset?.Trim('"').ToLowerInvariant() switch
    {
        "utf-8" => new UTF8Encoding(false, true),
        "shift_jis" => Encoding.GetEncoding("shift_jis", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback),
        _ => null,
    };

    /// <summary>The key of a line's field in a problem's <c>errors</c>.</summary>
    public static string Key(int line, string field) => $"lines[{line}].{field}";

    public static void AddError(FieldErrors errors, int line, string field, string message) =>
        errors.Add(Key(line, field), $"line {line}: {field} {message}");

    /// <summary>Reports a request field's error (from the rules of POST /exchanges) under the file's name for that field.</summary>
    public static void AddRequestError(FieldErrors errors, int line, string requestField, string message) =>
        AddError(errors, line, FileNames.GetValueOrDefault(requestField, requestField), message);

    /// <summary>The byte ranges of the file's lines (LF or CRLF; a last line may end without one), without their line ends.</summary>
    public static List<(int Start, int Length)> SplitLines(ReadOnlySpan<byte> bytes)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        while (start < bytes.Length)
        {
            var end = bytes[start..].IndexOf((byte)'\n');
            var length = end < 0 ? bytes.Length - start : end;
            var content = length > 0 && bytes[start + length - 1] == (byte)'\r' ? length - 1 : length;
            lines.Add((start, content));
            start += length + 1;
        }

        return lines;
    }

    /// <summary>
    /// Decodes and reads every line. A line is split on its line-end bytes before it is decoded: LF never occurs inside a
    /// Shift_JIS or UTF-8 character, so a bad byte is reported against its own line.
    /// </summary>
    public static List<InquiryFileLine> Parse(byte[] bytes, IReadOnlyList<(int Start, int Length)> ranges, Encoding encoding, CodeRegistry codes, FieldErrors errors)
    {
        var lines = new List<InquiryFileLine>(ranges.Count);
        for (var i = 0; i < ranges.Count; i++)
        {
            var number = i + 1;
            var (start, length) = ranges[i];
            if (i == 0 && encoding is UTF8Encoding && bytes.AsSpan(start, length).StartsWith("\uFEFF"u8))
            {
                (start, length) = (start + 3, length - 3);
            }

            string text;
            try
            {
                text = encoding.GetString(bytes, start, length);
            }
            catch (DecoderFallbackException)
            {
                errors.Add(Key(number, "line"), $"line {number}: is not valid {encoding.WebName} text.");
                continue;
            }

            if (text.Trim().Length == 0)
            {
                errors.Add(Key(number, "line"), $"line {number}: is empty; every line is one inquiry.");
                continue;
            }

            if (ParseLine(number, text, codes, errors) is { } line)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static InquiryFileLine? ParseLine(int number, string text, CodeRegistry codes, FieldErrors errors)
    {
        var cells = text.Split(',');
        if (cells.Length != Layout.Count)
        {
            errors.Add(Key(number, "line"), $"line {number}: has {cells.Length} fields; the layout has {Layout.Count}, joined by commas.");
            return null;
        }

        var bad = false;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var f = 0; f < Layout.Count; f++)
        {
            var (name, width) = Layout[f];
            var value = cells[f].TrimEnd(' ', '\u3000');
            if (value.Length > width)
            {
                Fail(name, $"is {value.Length} characters; its width is {width}.");
            }
            else if (value.Any(char.IsControl))
            {
                Fail(name, "must not contain control characters.");
            }

            values[name] = value.Length == 0 ? null : value;
        }

        if (bad)
        {
            return null;
        }

        if (values[NumberSystem] != "01")
        {
            Fail(NumberSystem, "must be 01.");
        }

        if (values[LocalRecord] is null)
        {
            Fail(LocalRecord, "is required.");
        }
        else if (InputHygiene.Identifier(values[LocalRecord]!) is { Value: var localRecord, Problem: var problem })
        {
            // An identifier as every JSON body's: full-width Ａ－０１ is A-01, the record the institution linked.
            values[LocalRecord] = localRecord;
            if (problem is not null)
            {
                Fail(LocalRecord, problem);
            }
        }

        DateTimeOffset? requestedAt = null;
        if (values[RequestedAt] is not { } at)
        {
            Fail(RequestedAt, "is required (yyyyMMddHHmmssfff, Japan time).");
        }
        else if (DateTime.TryParseExact(at, "yyyyMMddHHmmssfff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            requestedAt = new DateTimeOffset(local, Jst.Offset);
        }
        else
        {
            Fail(RequestedAt, "must be yyyyMMddHHmmssfff (Japan time).");
        }

        var inquirer = Institution(Inquirer, required: true);
        var provider = Institution(Provider, required: true);
        Institution(DelegatingInquirer, required: false);
        Institution(DelegatingProvider, required: false);

        NonDisclosureMark? nonDisclosure = null;
        switch (values[NonDisclosure])
        {
            case null or "0":
                break;
            case "1":
                nonDisclosure = new NonDisclosureMark(NonDisclosureReason);
                break;
            default:
                Fail(NonDisclosure, "must be 1 (non-disclosed), 0 or blank.");
                break;
        }

        if (!CodeRegistry.IsPrefixedCode(values[Affair], "JM"))
        {
            Fail(Affair, values[Affair] is null ? "is required (JM and 14 digits)." : "must be JM and 14 digits.");
        }

        var procedure = Coded(Procedure, codes.ProcedureByFileCode, "JT", "事務手続");
        var item = Coded(InfoItem, codes.InfoItemByFileCode, "TM", "特定個人情報");
        var from = Date(PeriodFrom);
        var to = Date(PeriodTo);
        if (to is not null && values[PeriodFrom] is null)
        {
            Fail(PeriodTo, $"needs a {PeriodFrom}: a blank {PeriodFrom} asks for the latest information only.");
        }

        if (bad)
        {
            return null;
        }

        var period = from is null ? null : new InquiryPeriod(from, to);
        return new InquiryFileLine(number, new MakeInquiry(
            null, inquirer!.Code, provider!.Code, procedure!.Code, item!.Code, values[LocalRecord], period, requestedAt, nonDisclosure));

        void Fail(string field, string message)
        {
            AddError(errors, number, field, message);
            bad = true;
        }

        CodeName? Institution(string field, bool required)
        {
            var code = values[field];
            if (code is null)
            {
                if (required)
                {
                    Fail(field, "is required (a 16-character 機関コード).");
                }

                return null;
            }

            var institution = codes.InstitutionByFileCode(code);
            if (institution is null)
            {
                Fail(field, "is not a known 機関コード.");
            }

            return institution;
        }

        CodeName? Coded(string field, Func<string?, CodeName?> find, string prefix, string what)
        {
            var code = values[field];
            if (code is null)
            {
                Fail(field, $"is required ({prefix} and 14 digits).");
                return null;
            }

            var entry = find(code);
            if (entry is null)
            {
                Fail(field, CodeRegistry.IsPrefixedCode(code, prefix) ? $"is not a known {what} code." : $"must be {prefix} and 14 digits.");
            }

            return entry;
        }

        DateOnly? Date(string field)
        {
            if (values[field] is not { } text)
            {
                return null;
            }

            if (DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date;
            }

            Fail(field, "must be yyyyMMdd.");
            return null;
        }
    }
}
