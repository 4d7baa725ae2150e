using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Authentication;

/// <summary>
/// A correctly signed token is still refused unless it names exactly one known role, a subject, a lifetime within
/// Ledger:Auth:MaxTokenLifetime (12 hours by default) and, for an institution, one institution the reference codes list
/// (issue 12, finding 2). Each refusal is a 401 whose challenge says only that the token was refused, counted on the
/// ProvisionLedger meter and logged without the token.
/// </summary>
public sealed class TokenRulesTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static TheoryData<string> RefusedTokens() =>
    [
        "two-roles", "unknown-role", "no-role", "institution-without-inst", "institution-not-in-registry", "two-insts", "without-sub", "sub-with-escape",
        "lives-100-years", "lives-13-hours",
    ];

    private string Token(string kind) => kind switch
    {
        "two-roles" => Signed(Role(Roles.Mynaportal), Role(Roles.Institution), Inst(Institutions.Chiyoda), Sub()),
        "unknown-role" => Signed(Role("superuser"), Sub()),
        "no-role" => Signed(Sub()),
        "institution-without-inst" => Signed(Role(Roles.Institution), Sub()),
        "institution-not-in-registry" => Signed(Role(Roles.Institution), Inst("999999"), Sub()),
        "two-insts" => Signed(Role(Roles.Institution), Inst(Institutions.Chiyoda), Inst(Institutions.Shinjuku), Sub()),
        "without-sub" => Signed(Role(Roles.Institution), Inst(Institutions.Chiyoda)),
        "sub-with-escape" => Signed(Role(Roles.Institution), Inst(Institutions.Chiyoda), new Claim("sub", "staff\u001b[31m")),
        "lives-100-years" => Tokens.SignedWith(api.SigningKey, [Role(Roles.Institution), Inst(Institutions.Chiyoda), Sub()], TimeSpan.FromDays(36525)),
        "lives-13-hours" => Tokens.SignedWith(api.SigningKey, [Role(Roles.Institution), Inst(Institutions.Chiyoda), Sub()], 13 * Hour),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_signed_token_that_breaks_a_rule_gets_401_and_writes_nothing(string kind)
    {
        var client = api.WithToken(Token(kind));

        var problem = await api.RefusesAsync(HttpStatusCode.Unauthorized, () => client.PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())));

        problem.Status.Should().Be(401);
    }

    [Fact]
    public async Task A_token_with_two_roles_reads_no_party_copies()
    {
        var client = api.WithToken(Signed(Role(Roles.Mynaportal), Role(Roles.Institution), Inst(Institutions.Chiyoda), Sub()));

        var response = await client.GetAsync(new Uri($"/api/v1/parties/{Institutions.Chiyoda}/records?role=inquirer", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_of_exactly_twelve_hours_for_a_listed_institution_is_accepted()
    {
        var client = api.WithToken(Tokens.SignedWith(api.SigningKey, [Role(Roles.Institution), Inst(Institutions.Shinjuku), Sub()], 12 * Hour));

        var response = await client.PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Shinjuku, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        await response.ShouldBeAsync(HttpStatusCode.Created, "a token within every rule is accepted");
    }

    [Fact]
    public async Task The_challenge_says_only_that_the_token_was_refused()
    {
        var client = api.WithToken(Tokens.SignedWith(api.SigningKey, [Role(Roles.Auditor), Sub()], Hour, issuer: "evil"));

        var response = await client.GetAsync(new Uri("/api/v1/parties/nws/records", UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var challenge = response.Headers.WwwAuthenticate.Should().ContainSingle().Subject;
        challenge.Should().Be(new AuthenticationHeaderValue("Bearer", "error=\"invalid_token\", error_description=\"The token was refused.\""));
        challenge.ToString().Should().NotContainAny("issuer", "evil");
    }

    [Fact]
    public async Task A_refused_token_is_counted_by_reason_and_logged_without_the_token()
    {
        var meter = api.Services.GetRequiredService<IMeterFactory>().Create(AuthFailures.MeterName);
        var counted = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "ledger.auth.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    lock (counted)
                    {
                        counted.Add($"{tag.Value}:{value}");
                    }
                }
            }
        });
        listener.Start();
        var twoRoles = Token("two-roles");
        var forged = Tokens.SignedWithAnotherKey(Roles.Auditor);

        await api.WithToken(twoRoles).GetAsync(new Uri("/api/v1/parties/nws/records", UriKind.Relative));
        await api.WithToken(forged).GetAsync(new Uri("/api/v1/parties/nws/records", UriKind.Relative));

        lock (counted)
        {
            counted.Should().Contain(["role:1", "signature:1"]);
        }

        api.Logs.Contain("A bearer token was refused (role)").Should().BeTrue();
        api.Logs.Contain("A bearer token was refused (signature)").Should().BeTrue();
        api.Logs.Contain(twoRoles).Should().BeFalse();
        api.Logs.Contain(forged.Split('.')[2]).Should().BeFalse();
    }

    private string Signed(params Claim[] claims) => Tokens.SignedWith(api.SigningKey, claims, Hour);

    private static Claim Role(string role) => new("role", role);

    private static Claim Inst(string code) => new("inst", code);

    private static Claim Sub() => new("sub", "tester");
}
