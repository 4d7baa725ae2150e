using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProvisionLedger.Api.ReferenceData;

public sealed record CodeName(string Code, string Name, string? Kind = null);

/// <summary>
/// Institutions, procedures (事務手続) and information items (特定個人情報の項目) the ledger accepts. Loaded at start from
/// the service's own copy of the reference codes, or from the operator's file at <c>Ledger:ReferenceData:Path</c>.
/// </summary>
public sealed class CodeRegistry
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, CodeName> _institutions;
    private readonly Dictionary<string, CodeName> _procedures;
    private readonly Dictionary<string, CodeName> _infoItems;

    private CodeRegistry(IEnumerable<CodeName> institutions, IEnumerable<CodeName> procedures, IEnumerable<CodeName> infoItems)
    {
        _institutions = institutions.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _procedures = procedures.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _infoItems = infoItems.ToDictionary(c => c.Code, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<CodeName> Institutions => _institutions.Values;

    public IReadOnlyCollection<CodeName> Procedures => _procedures.Values;

    public IReadOnlyCollection<CodeName> InfoItems => _infoItems.Values;

    public CodeName? Institution(string? code) => code is not null && _institutions.TryGetValue(code, out var c) ? c : null;

    public CodeName? Procedure(string? code) => code is not null && _procedures.TryGetValue(code, out var c) ? c : null;

    public CodeName? InfoItem(string? code) => code is not null && _infoItems.TryGetValue(code, out var c) ? c : null;

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

        return new CodeRegistry(file.Institutions, file.Procedures, file.InfoItems);
    }

    private sealed record ReferenceFile(
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
