using System.Net;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Health;

public sealed class HealthTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private sealed record HealthAnswer(string Status);

    [Fact]
    public async Task Health_answers_200_without_a_token_when_the_store_is_reachable()
    {
        var response = await api.Anonymous().GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.ReadJsonAsync<HealthAnswer>()).Status.Should().Be("ok");
    }
}
