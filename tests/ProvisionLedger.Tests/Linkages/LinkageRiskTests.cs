using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>GET /api/v1/linkages/risks: linkages in force made the way the 2023 mis-linkages were made.</summary>
public sealed class LinkageRiskTests(LinkageRiskTests.Given api) : IClassFixture<LinkageRiskTests.Given>
{
    private const string A = Institutions.Chiyoda;
    private const string B = Institutions.Sapporo;

    public sealed class Given : LedgerApi
    {
        public string Pattern2023 { get; private set; } = "";

        public string AddressLessButChecked { get; private set; } = "";

        public string Sound { get; private set; } = "";

        public string Ended { get; private set; } = "";

        public string OtherInstitutions { get; private set; } = "";

        public string Later { get; private set; } = "";

        protected override async Task GivenAsync()
        {
            Pattern2023 = (await this.LinkAsync(A, "R-1", MyNumbers.Next(), At(Jst("2025-04-01T10:00:00+09:00"), ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
            AddressLessButChecked = (await this.LinkAsync(A, "R-2", MyNumbers.Next(), At(Jst("2025-04-02T10:00:00+09:00"), r =>
            {
                ThreeItemQueryWithTwoCandidatesAndNoChecker(r);
                r["evidence"]!["candidateCount"] = 1;
                r["checkerIds"] = new JsonArray("staff-22");
                r["approverId"] = "chief-3";
            }))).LinkageId;
            Sound = (await this.LinkAsync(A, "R-3", MyNumbers.Next(), At(Jst("2025-04-03T10:00:00+09:00")))).LinkageId;
            Ended = (await this.LinkAsync(A, "R-4", MyNumbers.Next(), At(Jst("2025-04-04T10:00:00+09:00"), ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
            (await Institution(A).ConfirmMisLinkageAsync(Ended, Confirmation(Jst("2025-05-01T10:00:00+09:00"), null))).StatusCode.Should().Be(HttpStatusCode.Created);
            OtherInstitutions = (await this.LinkAsync(B, "R-5", MyNumbers.Next(), At(Jst("2025-04-05T10:00:00+09:00"), ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
            Later = (await this.LinkAsync(A, "R-6", MyNumbers.Next(), At(Jst("2025-10-01T10:00:00+09:00"), r => r["approverId"] = null))).LinkageId;
        }
    }

    private async Task<JsonArray> RisksAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync($"/api/v1/linkages/risks{query}");
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
    }

    private static List<string?> Ids(JsonArray items) => items.Select(i => (string?)i!["linkageId"]).ToList();

    private static List<string?> Factors(JsonArray items, string linkageId) =>
        items.Single(i => (string?)i!["linkageId"] == linkageId)!["riskFactors"]!.AsArray().Select(f => (string?)f!["code"]).ToList();

    [Fact]
    public async Task An_institution_sees_its_own_linkages_in_force_at_risk_oldest_first_each_with_its_factors()
    {
        var items = await RisksAsync(api.Institution(A));

        Ids(items).Should().Equal(api.Pattern2023, api.AddressLessButChecked, api.Later);
        Factors(items, api.Pattern2023).Should().Equal("jlis-query-without-address", "multiple-candidates", "no-second-checker", "no-approver");
        Factors(items, api.AddressLessButChecked).Should().Equal("jlis-query-without-address");
        Factors(items, api.Later).Should().Equal("no-approver");
        ((bool)items[0]!["matches2023Pattern"]!).Should().BeTrue();
        ((bool)items[1]!["matches2023Pattern"]!).Should().BeFalse();
        ((string?)items[0]!["localRecordId"]).Should().Be("R-1");
        ((int)items[0]!["candidateCount"]!).Should().Be(2);
    }

    [Fact]
    public async Task The_pattern_filter_and_the_period_narrow_the_list()
    {
        Ids(await RisksAsync(api.Institution(A), "?pattern2023=true")).Should().Equal(api.Pattern2023);
        Ids(await RisksAsync(api.Institution(A), "?from=2025-04-02&to=2025-04-30")).Should().Equal(api.AddressLessButChecked);
    }

    [Fact]
    public async Task Auditors_and_responders_see_every_institution_or_the_one_they_name()
    {
        Ids(await RisksAsync(api.As(Roles.Auditor))).Should().Equal(api.Pattern2023, api.AddressLessButChecked, api.OtherInstitutions, api.Later);
        Ids(await RisksAsync(api.As(Roles.IncidentResponder), $"?institutionCode={B}")).Should().Equal(api.OtherInstitutions);
    }

    [Fact]
    public async Task Pages_follow_the_cursor()
    {
        var first = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync("/api/v1/linkages/risks?pageSize=3"))!;
        var next = (string)first["nextCursor"]!;
        var second = JsonNode.Parse(await api.As(Roles.Auditor).GetStringAsync($"/api/v1/linkages/risks?pageSize=3&cursor={Uri.EscapeDataString(next)}"))!;

        Ids(first["items"]!.AsArray()).Should().HaveCount(3);
        Ids(second["items"]!.AsArray()).Should().Equal(api.Later);
        second["nextCursor"].Should().BeNull();
    }

    [Fact]
    public async Task Another_institutions_risks_are_404_and_bad_filters_are_400()
    {
        (await api.Institution(B).GetAsync($"/api/v1/linkages/risks?institutionCode={A}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await api.As(Roles.Mynaportal).GetAsync("/api/v1/linkages/risks")).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var bad = await api.As(Roles.Auditor).GetAsync("/api/v1/linkages/risks?institutionCode=131017&from=yesterday&pattern2023=maybe&pageSize=0");
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.ReadProblemAsync()).Errors!.Keys.Should().BeEquivalentTo("institutionCode", "from", "pattern2023", "pageSize");
    }
}
