using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>POST /api/v1/exchanges/{id}/provision: the provider answers an inquiry once, about the inquiry's person only.</summary>
public sealed class ProvidingTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private HttpClient Provider => api.Institution(api.Person.ProviderCode);

    private Task<string> InquiryAsync() => api.MakeInquiryAsync(api.Person);

    [Fact]
    public async Task The_provider_records_its_provision_and_gets_201()
    {
        var exchangeId = await InquiryAsync();
        var before = await api.EventCountAsync();

        var response = await Provider.PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person));

        await response.ShouldBeAsync(HttpStatusCode.Created, "the provider answers the inquiry made to it");
        (await response.ReadJsonAsync<ExchangeAnswer>()).Should().BeEquivalentTo(new ExchangeAnswer(exchangeId));
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    [Fact]
    public async Task The_network_system_records_a_provision()
    {
        var exchangeId = await InquiryAsync();

        var response = await api.As(Roles.Nws).PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person));

        await response.ShouldBeAsync(HttpStatusCode.Created, "the network system writes exchanges");
    }

    [Theory]
    [InlineData("no-data", null)]
    [InlineData("error", "E-0042")]
    public async Task A_provision_without_data_or_with_an_error_code_is_recorded(string result, string? errorCode)
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        request["result"] = result;
        request["errorCode"] = errorCode;
        request["payloadDigest"] = null;

        var response = await Provider.PostProvisionAsync(exchangeId, request);

        await response.ShouldBeAsync(HttpStatusCode.Created, "no-data and error are results too");
    }

    [Fact]
    public async Task A_provision_for_an_exchange_that_does_not_exist_gets_404_and_writes_nothing()
    {
        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => Provider.PostProvisionAsync(ExchangeScenarios.NewExchangeId(), ExchangeScenarios.ProvisionRequest(api.Person)));
    }

    [Fact]
    public async Task A_provision_under_a_local_record_linked_to_another_person_is_refused_naming_the_record_and_writes_nothing()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        request["providerLocalRecordId"] = api.StrangersProviderRecordId;

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("providerLocalRecordId");
    }

    [Fact]
    public async Task A_provision_under_a_local_record_linked_to_nobody_is_refused_naming_the_record()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        request["providerLocalRecordId"] = "S-never-linked";

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("providerLocalRecordId");
    }

    [Fact]
    public async Task The_same_provision_again_gets_200_with_the_same_answer_and_is_recorded_once()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        var first = await Provider.PostProvisionAsync(exchangeId, request);
        var afterFirst = await api.EventCountAsync();

        var again = await Provider.PostProvisionAsync(exchangeId, request);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        await again.ShouldBeAsync(HttpStatusCode.OK, "a retried provision is answered as the first was");
        (await again.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    /// <summary>A second provision differing from the first in one field.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Changes = new()
    {
        ["result"] = r => (r["result"], r["payloadDigest"]) = ("no-data", null),
        ["payloadDigest"] = r => r["payloadDigest"] = ExchangeScenarios.Digest("other data"),
        ["providedAt"] = r => r["providedAt"] = ExchangeScenarios.RequestedAt.AddMinutes(5).ToString("O"),
        ["nonDisclosure"] = ExchangeScenarios.NonDisclosed,
    };

    public static TheoryData<string> ChangedFields() => [.. Changes.Keys];

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public async Task A_second_provision_with_other_content_gets_409_and_writes_nothing(string field)
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        await (await Provider.PostProvisionAsync(exchangeId, request)).ShouldBeAsync(HttpStatusCode.Created, "the first provision is recorded");
        var other = request.DeepClone().AsObject();
        Changes[field](other);

        await api.RefusesAsync(HttpStatusCode.Conflict, () => Provider.PostProvisionAsync(exchangeId, other));
    }

    [Fact]
    public async Task An_error_result_without_an_error_code_gets_400_naming_error_code()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        request["result"] = "error";
        request["payloadDigest"] = null;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("errorCode");
    }

    public static TheoryData<string?> BadDigests() =>
    [
        "sha256:abc",
        $"sha256:{new string('A', 64)}",
        $"md5:{new string('a', 32)}",
        new string('a', 64),
        null,
    ];

    [Theory]
    [MemberData(nameof(BadDigests))]
    public async Task A_provision_with_a_bad_or_missing_digest_gets_400_naming_payload_digest(string? digest)
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        request["payloadDigest"] = digest;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("payloadDigest");
    }

    [Fact]
    public async Task A_provision_before_the_inquiry_was_made_gets_400_naming_provided_at()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person, ExchangeScenarios.RequestedAt.AddMinutes(-1));

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("providedAt");
    }

    [Fact]
    public async Task A_provision_in_the_future_gets_400_naming_provided_at()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person, DateTimeOffset.UtcNow.AddHours(1));

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Provider.PostProvisionAsync(exchangeId, request));

        problem.ShouldName("providedAt");
    }

    [Fact]
    public async Task The_inquirer_trying_to_provide_gets_403_and_writes_nothing()
    {
        var exchangeId = await InquiryAsync();

        await api.RefusesAsync(HttpStatusCode.Forbidden,
            () => api.Institution(api.Person.InquirerCode).PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person)));
    }

    [Fact]
    public async Task An_institution_that_is_no_party_to_the_exchange_gets_404_and_writes_nothing()
    {
        var exchangeId = await InquiryAsync();

        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => api.Institution(Institutions.Shinjuku).PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person)));
    }

    [Fact]
    public async Task To_an_unrelated_institution_an_existing_exchange_and_a_missing_one_get_the_same_answer()
    {
        var exchangeId = await InquiryAsync();
        var outsider = api.Institution(Institutions.Shinjuku);

        var existing = await outsider.PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person));
        var missing = await outsider.PostProvisionAsync(ExchangeScenarios.NewExchangeId(), ExchangeScenarios.ProvisionRequest(api.Person));

        existing.StatusCode.Should().Be(missing.StatusCode);
        (await existing.ReadProblemAsync()).Should().BeEquivalentTo(await missing.ReadProblemAsync(), o => o.Excluding(p => p.Detail));
    }

    [Theory]
    [InlineData(Roles.Mynaportal)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    public async Task A_role_that_does_not_write_exchanges_gets_403(string role)
    {
        var exchangeId = await InquiryAsync();

        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.As(role).PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person)));
    }

    [Fact]
    public async Task A_provision_without_a_token_gets_401()
    {
        var exchangeId = await InquiryAsync();

        await api.RefusesAsync(HttpStatusCode.Unauthorized,
            () => api.Anonymous().PostProvisionAsync(exchangeId, ExchangeScenarios.ProvisionRequest(api.Person)));
    }

    [Fact]
    public async Task Eight_identical_provisions_at_once_are_recorded_once_and_all_answered_alike()
    {
        var exchangeId = await InquiryAsync();
        var request = ExchangeScenarios.ProvisionRequest(api.Person);
        var before = await api.EventCountAsync();
        var clients = Enumerable.Range(0, 8).Select(_ => Provider).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostProvisionAsync(exchangeId, request)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK, "a retry of the same provision is not a conflict");
        bodies.Should().AllBe(bodies[0]);
        (await api.EventCountAsync()).Should().Be(before + 1);
    }
}
