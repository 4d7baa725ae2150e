using System.Net;

namespace ProvisionLedger.Tests.Harness;

/// <summary>Assertions on answers that say what the service answered when they fail.</summary>
public static class Answers
{
    /// <summary>Fails with the response body in the message, so a failing test says what the service answered.</summary>
    public static async Task ShouldBeAsync(this HttpResponseMessage response, HttpStatusCode status, string because)
    {
        if (response.StatusCode != status)
        {
            response.StatusCode.Should().Be(status, "{0}: {1}", because, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// Sends a request the ledger must refuse: the status is the one expected, the answer is problem+json, and not one
    /// event was written (SPEC §6: "nothing is written").
    /// </summary>
    public static async Task<Problem> RefusesAsync(this LedgerApi api, HttpStatusCode status, Func<Task<HttpResponseMessage>> send)
    {
        var before = await api.EventCountAsync();

        var response = await send();

        await response.ShouldBeAsync(status, "the request was expected to be refused");
        var problem = await response.ReadProblemAsync();
        (await api.EventCountAsync()).Should().Be(before, "a refused request writes nothing");
        return problem;
    }

    /// <summary>The problem names the field (and, in a batch, its path) as the request spelled it.</summary>
    public static void ShouldName(this Problem problem, string field) =>
        problem.Errors.Should().NotBeNull("a validation problem names its fields").And.ContainKey(field);
}
