using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>POST /api/v1/linkages: who may link, and what a retry or a second linkage of a record gets.</summary>
public sealed class LinkingTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task An_institution_links_its_own_local_record_and_gets_201_with_the_linkage()
    {
        var localRecordId = LinkageScenarios.NewLocalRecordId();
        var before = await api.EventCountAsync();

        var response = await api.PostLinkAsync(Institutions.Chiyoda,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, localRecordId, MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var answer = await response.ReadJsonAsync<LinkageAnswer>();
        answer.InstitutionCode.Should().Be(Institutions.Chiyoda);
        answer.LocalRecordId.Should().Be(localRecordId);
        answer.LinkageId.Should().NotBeNullOrWhiteSpace();
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    [Fact]
    public async Task A_national_institution_links_under_its_own_code()
    {
        var localRecordId = LinkageScenarios.NewLocalRecordId();

        var answer = await api.LinkAsync(Institutions.PensionService, localRecordId, MyNumbers.Next());

        answer.InstitutionCode.Should().Be(Institutions.PensionService);
    }

    [Fact]
    public async Task The_same_request_again_gets_200_with_the_same_answer_and_is_recorded_once()
    {
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        var first = await api.PostLinkAsync(Institutions.Chiyoda, request);
        var afterFirst = await api.EventCountAsync();

        var again = await api.PostLinkAsync(Institutions.Chiyoda, request);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        (await again.ReadJsonAsync<LinkageAnswer>()).Should().BeEquivalentTo(await first.ReadJsonAsync<LinkageAnswer>());
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    [Fact]
    public async Task Retries_racing_each_other_are_recorded_once_and_all_get_the_same_linkage()
    {
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        var before = await api.EventCountAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.PostLinkAsync(Institutions.Chiyoda, request)));

        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created)
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        var answers = await Task.WhenAll(responses.Select(r => r.ReadJsonAsync<LinkageAnswer>()));
        answers.Select(a => a.LinkageId).Distinct().Should().ContainSingle();
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    /// <summary>A request that differs from the first in one field only.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Changes = new()
    {
        ["myNumber"] = r => r["myNumber"] = MyNumbers.Next(),
        ["method"] = r => r["method"] = "jlis-3-items",
        ["operatorId"] = r => r["operatorId"] = "staff-99",
        ["occurredAt"] = r => r["occurredAt"] = LinkageScenarios.OccurredAt.AddDays(1).ToString("O"),
    };

    public static TheoryData<string> ChangedFields() => [.. Changes.Keys];

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public async Task Linking_an_already_linked_record_with_anything_else_is_a_409_and_writes_nothing(string changed)
    {
        var first = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        (await api.PostLinkAsync(Institutions.Chiyoda, first)).StatusCode.Should().Be(HttpStatusCode.Created);
        var other = (JsonObject)first.DeepClone();
        Changes[changed](other);
        var before = await api.EventCountAsync();

        var response = await api.PostLinkAsync(Institutions.Chiyoda, other);

        response.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await response.ReadProblemAsync()).Title.Should().NotBeNullOrWhiteSpace();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Two_institutions_may_use_the_same_local_record_id_for_different_people()
    {
        var localRecordId = LinkageScenarios.NewLocalRecordId();

        var chiyoda = await api.LinkAsync(Institutions.Chiyoda, localRecordId, MyNumbers.Next());
        var shinjuku = await api.LinkAsync(Institutions.Shinjuku, localRecordId, MyNumbers.Next());

        shinjuku.LinkageId.Should().NotBe(chiyoda.LinkageId);
    }

    [Fact]
    public async Task A_business_time_just_ahead_of_the_server_clock_is_within_the_allowed_skew()
    {
        var answer = await api.LinkAsync(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next(),
            r => r["occurredAt"] = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"));

        answer.LinkageId.Should().NotBeNullOrWhiteSpace();
    }

    public static TheoryData<string> OtherRoles() => [Roles.Nws, Roles.Mynaportal, Roles.Auditor, Roles.IncidentResponder];

    [Theory]
    [MemberData(nameof(OtherRoles))]
    public async Task Roles_other_than_institution_get_403_and_write_nothing(string role)
    {
        var before = await api.EventCountAsync();

        var response = await api.As(role).PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await response.ReadProblemAsync();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_institution_linking_another_institutions_record_gets_403_and_writes_nothing()
    {
        var before = await api.EventCountAsync();

        var response = await api.PostLinkAsync(Institutions.Shinjuku,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await response.ReadProblemAsync();
        (await api.EventCountAsync()).Should().Be(before);
    }

    [Fact]
    public async Task An_institution_token_without_an_institution_code_is_refused_as_a_token()
    {
        // Authentication refuses it (TokenRulesTests): an institution acts only as the one institution its token names.
        var response = await api.As(Roles.Institution).PostJsonAsync(LinkageScenarios.Route,
            LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next()));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
