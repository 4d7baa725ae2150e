namespace ProvisionLedger.Api.Subjects;

/// <summary>個人番号: 12 digits, the last a check digit (番号法施行令 第8条). Input only; never stored.</summary>
public static class MyNumber
{
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != 12 || !value.All(char.IsAsciiDigit))
        {
            return false;
        }

        return CheckDigit(value.AsSpan(0, 11)) == value[11] - '0';
    }

    /// <summary>P(n) is the n-th digit from the right of the first 11; Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7.</summary>
    public static int CheckDigit(ReadOnlySpan<char> first11)
    {
        var sum = 0;
        for (var n = 1; n <= 11; n++)
        {
            var p = first11[11 - n] - '0';
            var q = n <= 6 ? n + 1 : n - 5;
            sum += p * q;
        }

        var r = sum % 11;
        return r <= 1 ? 0 : 11 - r;
    }

    /// <summary>Why a value is not a My Number, without repeating the value.</summary>
    public static string Problem(string? value) =>
        value is null ? "is required."
        : value.Length != 12 || !value.All(char.IsAsciiDigit) ? "must be 12 digits."
        : "has a wrong check digit.";
}
