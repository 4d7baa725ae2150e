using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Subjects;

/// <summary>
/// SPEC §6. The worked examples use numbers no person holds (a run of zeros, the API's own example); the random ones
/// never appear in test names or messages.
/// </summary>
public sealed class MyNumberTests
{
    [Theory]
    // 1 2 3 4 5 6 7 8 9 0 1 | Σ P(n)·Q(n) = 1·2 + 0·3 + 9·4 + 8·5 + 7·6 + 6·7 + 5·2 + 4·3 + 3·4 + 2·5 + 1·6 = 212; 212 mod 11 = 3; 11 − 3 = 8.
    [InlineData("123456789018")]
    // Σ = 0, r = 0 ≤ 1: check digit 0.
    [InlineData("000000000000")]
    // P(1) = 6: Σ = 12, r = 1 ≤ 1: check digit 0, not 10.
    [InlineData("000000000060")]
    // P(1) = 5: Σ = 10, r = 10: check digit 11 − 10 = 1.
    [InlineData("000000000051")]
    // P(11) = 1, Q(11) = 6; P(7) = 1, Q(7) = 2: the weights restart after the sixth digit. Σ = 8, check 3.
    [InlineData("100010000003")]
    public void Worked_examples_are_valid(string number)
    {
        MyNumber.IsValid(number).Should().BeTrue();
        MyNumber.CheckDigit(number.AsSpan(0, 11)).Should().Be(number[11] - '0');
    }

    [Fact]
    public void Numbers_made_by_the_rule_are_accepted_and_every_other_check_digit_is_rejected()
    {
        for (var i = 0; i < 500; i++)
        {
            var number = MyNumbers.Next();

            MyNumber.IsValid(number).Should().BeTrue("a number made by the SPEC §6 rule is valid");
            MyNumbers.WithWrongCheckDigits(number).Should().HaveCount(9)
                .And.OnlyContain(wrong => !MyNumber.IsValid(wrong), "only one check digit fits the first eleven digits");
        }
    }

    [Fact]
    public void Each_wrong_check_digit_of_the_worked_example_is_rejected()
    {
        MyNumbers.WithWrongCheckDigits("123456789018").Should().HaveCount(9).And.OnlyContain(n => !MyNumber.IsValid(n));
    }

    [Theory]
    [InlineData("12345678901a")]
    [InlineData("1234567890 8")]
    [InlineData("-23456789018")]
    [InlineData("１２３４５６７８９０１８")] // full-width digits: char.IsDigit would take them, the rule must not
    [InlineData("١٢٣٤٥٦٧٨٩٠١٨")] // Arabic-Indic digits
    [InlineData("1234-5678-9018")]
    public void Non_digits_are_rejected_with_a_reason_that_does_not_repeat_the_value(string value)
    {
        MyNumber.IsValid(value).Should().BeFalse();
        MyNumber.Problem(value).Should().Be("must be 12 digits.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345678901")]
    [InlineData("1234567890180")]
    [InlineData(" 123456789018")]
    [InlineData("123456789018 ")]
    [InlineData("0123456789018")]
    public void Wrong_lengths_are_rejected(string value)
    {
        MyNumber.IsValid(value).Should().BeFalse();
    }

    [Fact]
    public void A_missing_number_is_rejected()
    {
        MyNumber.IsValid(null).Should().BeFalse();
        MyNumber.Problem(null).Should().Be("is required.");
    }

    [Fact]
    public void A_wrong_check_digit_is_reported_as_such()
    {
        MyNumber.Problem("123456789017").Should().Be("has a wrong check digit.");
    }
}
