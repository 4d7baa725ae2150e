using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Authentication;

/// <summary>A request without a valid token gets 401 problem+json and changes nothing (SPEC §5, API.md).</summary>
public sealed class AuthenticationTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    public static TheoryData<string> BadTokens() => ["missing", "garbage", "signed-with-another-key", "expired", "without-signature", "for-another-audience"];

    private HttpClient ClientWith(string token) => token switch
    {
        "missing" => api.Anonymous(),
        "garbage" => api.WithToken("not-a-jwt"),
        "signed-with-another-key" => api.WithToken(Tokens.SignedWithAnotherKey(Roles.Institution, Institutions.Chiyoda)),
        "expired" => api.WithToken(Tokens.Expired(api.SigningKey, Roles.Institution, Institutions.Chiyoda)),
        "without-signature" => api.WithToken(Tokens.WithoutSignature(Roles.Institution, Institutions.Chiyoda)),
        "for-another-audience" => api.WithToken(Tokens.ForAnotherAudience(api.SigningKey, Roles.Institution, Institutions.Chiyoda)),
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, null),
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_linkage_without_a_valid_token_gets_401_problem_json_and_writes_nothing(string token)
    {
        var before = await api.EventCountAsync();

        var response = await ClientWith(token).PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.ReadProblemAsync()).Status.Should().Be(401);
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task The_same_request_with_a_valid_token_is_accepted()
    {
        // The counterpart of the 401 cases: the request itself was never the problem.
        var response = await api.Institution(Institutions.Chiyoda).PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
    }
}
