using System.Security.Cryptography;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// Valid My Numbers for tests, from the check-digit rule of SPEC §6, written apart from the service's own code so that
/// each checks the other. A random valid number may be a real person's: never put one in a test name or an assertion
/// message, and compare with booleans rather than printing it.
/// </summary>
public static class MyNumbers
{
    /// <summary>A fresh valid number; distinct from every other one the run makes, for all practical purposes.</summary>
    public static string Next()
    {
        var first11 = string.Concat(Enumerable.Range(0, 11).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));
        return first11 + CheckDigit(first11);
    }

    /// <summary>P(n) is the n-th digit from the right of the first 11; Q(n) = n + 1 for n ≤ 6, n − 5 for n ≥ 7.</summary>
    public static int CheckDigit(string first11)
    {
        if (first11.Length != 11 || !first11.All(char.IsAsciiDigit))
        {
            throw new ArgumentException("Eleven ASCII digits are needed.", nameof(first11));
        }

        var sum = 0;
        for (var n = 1; n <= 11; n++)
        {
            var p = first11[^n] - '0';
            var q = n <= 6 ? n + 1 : n - 5;
            sum += p * q;
        }

        var r = sum % 11;
        return r <= 1 ? 0 : 11 - r;
    }

    /// <summary>The nine numbers that differ from a valid one only in the check digit.</summary>
    public static IEnumerable<string> WithWrongCheckDigits(string valid) =>
        Enumerable.Range(0, 10).Select(d => valid[..11] + d).Where(n => n != valid);
}
