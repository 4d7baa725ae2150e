namespace ProvisionLedger.Tests.Harness;

/// <summary>Institutions from the service's reference codes (ReferenceData/reference-codes.json).</summary>
public static class Institutions
{
    /// <summary>東京都千代田区: the worked example of SPEC §6, 13101 → 131016.</summary>
    public const string Chiyoda = "131016";

    /// <summary>東京都新宿区.</summary>
    public const string Shinjuku = "131041";

    /// <summary>北海道札幌市.</summary>
    public const string Sapporo = "011002";

    /// <summary>東京都渋谷区.</summary>
    public const string Shibuya = "131130";

    /// <summary>神奈川県横浜市.</summary>
    public const string Yokohama = "141003";

    /// <summary>日本年金機構: a national institution, not a municipal code.</summary>
    public const string PensionService = "N-JPS";

    /// <summary>全国健康保険協会: a national health insurer.</summary>
    public const string HealthInsurer = "N-KYOKAI";

    /// <summary>東京都中央区: a real code with a valid check digit that the reference codes do not list.</summary>
    public const string Chuo = "131024";
}
