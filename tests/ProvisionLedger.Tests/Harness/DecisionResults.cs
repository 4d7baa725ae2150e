using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Tests.Harness;

/// <summary>Then-steps for decision tests: what a pure decision answers and records, read without a database or HTTP.</summary>
public static class DecisionResults
{
    public static int Status(this IResult result) =>
        (result as IStatusCodeHttpResult)?.StatusCode ?? throw new InvalidOperationException($"{result.GetType().Name} has no status code.");

    /// <summary>Asserts the decision records exactly these events, answered with <paramref name="status"/>.</summary>
    public static void ShouldRecord(this Decision decision, int status, params object[] events)
    {
        decision.Answer.Status().Should().Be(status);
        decision.Events.Should().BeEquivalentTo(events, o => o.WithStrictOrdering().RespectingRuntimeTypes());
    }

    /// <summary>Asserts the decision records nothing and answers <paramref name="status"/>.</summary>
    public static IResult ShouldRecordNothing(this Decision decision, int status)
    {
        decision.Events.Should().BeEmpty();
        decision.Answer.Status().Should().Be(status);
        return decision.Answer;
    }

    /// <summary>The fields a validation problem names, with their messages.</summary>
    public static IDictionary<string, string[]> Errors(this IResult result) =>
        result is ProblemHttpResult { ProblemDetails: HttpValidationProblemDetails details }
            ? details.Errors
            : throw new InvalidOperationException($"{result.GetType().Name} is not a validation problem.");

    public static string? Title(this IResult result) => (result as ProblemHttpResult)?.ProblemDetails.Title;

    public static string? Location(this IResult result) => result switch
    {
        IResult r when r.GetType().GetProperty("Location") is { } p => (string?)p.GetValue(r),
        _ => null,
    };

    public static object? Value(this IResult result) => (result as IValueHttpResult)?.Value;
}

/// <summary>Options for a Validate step called directly: the default clock skew, and keys no token or record depends on.</summary>
public static class LedgerOptionsForDecisions
{
    public static LedgerOptions Create() => new() { SigningKey = new byte[32], SubjectHmacKey = new byte[32] };
}
