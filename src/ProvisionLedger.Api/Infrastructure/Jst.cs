using System.Globalization;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Japan time for the Japanese texts of reports and findings.</summary>
public static class Jst
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    public static string Date(DateTimeOffset t)
    {
        var j = t.ToOffset(Offset);
        return j.ToString("yyyy年M月d日", CultureInfo.InvariantCulture);
    }

    public static string DateTime(DateTimeOffset t)
    {
        var j = t.ToOffset(Offset);
        return j.ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);
    }
}
