using ProvisionLedger.Api.ReferenceData;

namespace ProvisionLedger.Tests.ReferenceData;

/// <summary>全国地方公共団体コード (SPEC §6): r = (6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5) mod 11, check = last digit of 11 − r.</summary>
public sealed class LocalGovernmentCodeTests
{
    /// <summary>The rule as SPEC §6 states it, apart from the service's code.</summary>
    private static int Check(string first5)
    {
        var r = ((6 * (first5[0] - '0')) + (5 * (first5[1] - '0')) + (4 * (first5[2] - '0')) + (3 * (first5[3] - '0')) + (2 * (first5[4] - '0'))) % 11;
        return (11 - r) % 10;
    }

    public static TheoryData<string, string> Municipalities()
    {
        var data = new TheoryData<string, string>();
        foreach (var municipality in CodeRegistry.Load(null).Institutions.Where(i => i.Kind == "municipality").OrderBy(i => i.Code))
        {
            data.Add(municipality.Code, municipality.Name);
        }

        return data;
    }

    [Theory]
    // 6·1 + 5·3 + 4·1 + 3·0 + 2·1 = 27; 27 mod 11 = 5; 11 − 5 = 6 (千代田区, the SPEC's example).
    [InlineData("13101", 6)]
    // 6·0 + 5·1 + 4·1 + 3·0 + 2·0 = 9; 11 − 9 = 2 (札幌市).
    [InlineData("01100", 2)]
    // r = 0: 11 − 0 = 11, whose last digit is 1.
    [InlineData("00000", 1)]
    // 2·6 = 12, r = 1: 11 − 1 = 10, whose last digit is 0.
    [InlineData("00006", 0)]
    public void Worked_examples(string first5, int check)
    {
        LocalGovernmentCode.CheckDigit(first5).Should().Be(check);
        Check(first5).Should().Be(check);
        LocalGovernmentCode.IsValid(first5 + check).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Municipalities))]
    public void Every_municipality_in_the_reference_codes_has_the_right_check_digit(string code, string name)
    {
        (code[5] - '0').Should().Be(Check(code[..5]), $"{name} ({code}) must carry its check digit");
        LocalGovernmentCode.IsValid(code).Should().BeTrue();
    }

    [Fact]
    public void The_reference_codes_hold_the_municipalities_the_tests_rely_on()
    {
        Municipalities().Select(row => (string)row[0]).Should().Contain(["131016", "131041", "011002"]);
    }

    [Theory]
    [MemberData(nameof(Municipalities))]
    public void Every_other_check_digit_is_rejected(string code, string name)
    {
        var wrong = Enumerable.Range(0, 10).Select(d => code[..5] + d).Where(c => c != code);

        wrong.Should().HaveCount(9).And.OnlyContain(c => !LocalGovernmentCode.IsValid(c), $"{name} has one code only");
    }

    [Theory]
    [InlineData("13101")]
    [InlineData("1310160")]
    [InlineData("13101a")]
    [InlineData("１３１０１６")]
    public void Other_shapes_are_rejected(string code)
    {
        LocalGovernmentCode.IsValid(code).Should().BeFalse();
    }
}
