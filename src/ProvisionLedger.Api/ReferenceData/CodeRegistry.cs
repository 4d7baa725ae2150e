using System.Text.Json;
using System.Text.Json.Serialization;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.ReferenceData;

/// <summary>A code the ledger accepts; <c>FileCode</c> is the same entry's code in bulk inquiry (一括照会) files, when it has one.</summary>
public sealed record CodeName(string Code, string Name, string? Kind = null, string? FileCode = null);

/// <summary>
/// Institutions, procedures (事務手続) and information items (特定個人情報の項目) the ledger accepts. Loaded at start from
/// the service's own copy of the reference codes, or from the operator's file at <c>Ledger:ReferenceData:Path</c>.
/// </summary>
public sealed class CodeRegistry : IKnownInstitutions
{
    /// <summary>Every code in a bulk inquiry file is 16 characters wide.</summary>
    public const int FileCodeLength = 16;

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, CodeName> _institutions;
    private readonly Dictionary<string, CodeName> _procedures;
    private readonly Dictionary<string, CodeName> _infoItems;
    private readonly Dictionary<string, CodeName> _institutionsByFileCode;
    private readonly Dictionary<string, CodeName> _proceduresByFileCode;
    private readonly Dictionary<string, CodeName> _infoItemsByFileCode;

    private CodeRegistry(string? about, IEnumerable<CodeName> institutions, IEnumerable<CodeName> procedures, IEnumerable<CodeName> infoItems)
    {
        About = about;
        _institutions = institutions.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _procedures = procedures.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _infoItems = infoItems.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _institutionsByFileCode = ByFileCode(_institutions.Values, "institution");
        _proceduresByFileCode = ByFileCode(_procedures.Values, "procedure");
        _infoItemsByFileCode = ByFileCode(_infoItems.Values, "information item");
    }

    /// <summary>What the table says about itself (its <c>_about</c>): where its codes come from, and which are illustrative.</summary>
    public string? About { get; }

    public IReadOnlyCollection<CodeName> Institutions => _institutions.Values;

    public IReadOnlyCollection<CodeName> Procedures => _procedures.Values;

    public IReadOnlyCollection<CodeName> InfoItems => _infoItems.Values;

    public CodeName? Institution(string? code) => code is not null && _institutions.TryGetValue(code, out var c) ? c : null;

    public CodeName? Procedure(string? code) => code is not null && _procedures.TryGetValue(code, out var c) ? c : null;

    public CodeName? InfoItem(string? code) => code is not null && _infoItems.TryGetValue(code, out var c) ? c : null;

    /// <summary>The institution whose 機関コード in bulk inquiry files is <paramref name="fileCode"/>.</summary>
    public CodeName? InstitutionByFileCode(string? fileCode) => Find(_institutionsByFileCode, fileCode);

    /// <summary>The procedure whose 事務手続きコード (<c>JT…</c>) is <paramref name="fileCode"/>.</summary>
    public CodeName? ProcedureByFileCode(string? fileCode) => Find(_proceduresByFileCode, fileCode);

    /// <summary>The information item whose 特定個人情報名コード (<c>TM…</c>) is <paramref name="fileCode"/>.</summary>
    public CodeName? InfoItemByFileCode(string? fileCode) => Find(_infoItemsByFileCode, fileCode);

    public bool IsKnown(string institutionCode) => Institution(institutionCode) is not null;

    public string InstitutionName(string code) => Institution(code)?.Name ?? code;

    public string ProcedureName(string code) => Procedure(code)?.Name ?? code;

    public string InfoItemName(string code) => InfoItem(code)?.Name ?? code;

    /// <summary>Why an institution code is not acceptable, or null when it is.</summary>
    public string? InstitutionProblem(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return "is required.";
        }

        if (code.Length == 6 && code.All(char.IsAsciiDigit) && !LocalGovernmentCode.IsValid(code))
        {
            return "has a wrong check digit (全国地方公共団体コード).";
        }

        return Institution(code) is null ? "is not a known institution." : null;
    }

    public static CodeRegistry Load(string? path)
    {
        using var stream = path is null
            ? typeof(CodeRegistry).Assembly.GetManifestResourceStream("ProvisionLedger.Api.ReferenceData.reference-codes.json")
              ?? throw new InvalidOperationException("The reference codes resource is missing from the build.")
            : File.OpenRead(path);
        var file = JsonSerializer.Deserialize<ReferenceFile>(stream, WebJson)
                   ?? throw new InvalidOperationException("The reference codes file is empty.");
        foreach (var municipal in file.Institutions.Where(i => i.Kind == "municipality"))
        {
            if (!LocalGovernmentCode.IsValid(municipal.Code))
            {
                throw new InvalidOperationException($"Reference code {municipal.Code} ({municipal.Name}) has a wrong check digit.");
            }
        }

        Require(file.Institutions, "institution", c => c.Length == FileCodeLength && !c.Any(char.IsWhiteSpace), "16 characters without spaces");
        Require(file.Procedures, "procedure", c => IsPrefixedCode(c, "JT"), "JT and 14 digits");
        Require(file.InfoItems, "information item", c => IsPrefixedCode(c, "TM"), "TM and 14 digits");
        return new CodeRegistry(file.About, file.Institutions, file.Procedures, file.InfoItems);
    }

    /// <summary>A code such as 事務コード <c>JM01000000121000</c>: two letters and 14 digits.</summary>
    public static bool IsPrefixedCode(string? code, string prefix) =>
        code is { Length: FileCodeLength } && code.StartsWith(prefix, StringComparison.Ordinal) && code.Skip(2).All(char.IsAsciiDigit);

    private static CodeName? Find(Dictionary<string, CodeName> byFileCode, string? fileCode) =>
        fileCode is not null && byFileCode.TryGetValue(fileCode, out var c) ? c : null;

    private static Dictionary<string, CodeName> ByFileCode(IEnumerable<CodeName> entries, string what)
    {
        var map = new Dictionary<string, CodeName>(StringComparer.Ordinal);
        foreach (var entry in entries.Where(e => e.FileCode is not null))
        {
            if (!map.TryAdd(entry.FileCode!, entry))
            {
                throw new InvalidOperationException($"Reference file code {entry.FileCode} names two entries ({what} {map[entry.FileCode!].Code} and {entry.Code}).");
            }
        }

        return map;
    }

    private static void Require(IEnumerable<CodeName> entries, string what, Func<string, bool> valid, string shape)
    {
        foreach (var entry in entries.Where(e => e.FileCode is not null && !valid(e.FileCode)))
        {
            throw new InvalidOperationException($"Reference file code {entry.FileCode} of {what} {entry.Code} ({entry.Name}) must be {shape}.");
        }
    }

    private sealed record ReferenceFile(
        [property: JsonPropertyName("_about")] string? About,
        [property: JsonPropertyName("institutions")] List<CodeName> Institutions,
        [property: JsonPropertyName("procedures")] List<CodeName> Procedures,
        [property: JsonPropertyName("infoItems")] List<CodeName> InfoItems);
}

/// <summary>全国地方公共団体コード: 5 digits and a check digit, the last digit of 11 − (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11.</summary>
public static class LocalGovernmentCode
{
    public static bool IsValid(string code) =>
        code.Length == 6 && code.All(char.IsAsciiDigit) && CheckDigit(code.AsSpan(0, 5)) == code[5] - '0';

    public static int CheckDigit(ReadOnlySpan<char> first5)
    {
        var sum = 0;
        for (var i = 0; i < 5; i++)
        {
            sum += (6 - i) * (first5[i] - '0');
        }

        return (11 - (sum % 11)) % 10;
    }
}
