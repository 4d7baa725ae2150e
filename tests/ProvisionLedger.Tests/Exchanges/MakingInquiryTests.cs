using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>POST /api/v1/exchanges: an inquiry (情報照会) is recorded once, and a bad one is refused with nothing written.</summary>
public sealed class MakingInquiryTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private HttpClient Inquirer => api.Institution(api.Person.InquirerCode);

    [Fact]
    public async Task The_inquirer_records_an_inquiry_and_gets_201_with_the_exchange_id()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        var before = await api.EventCountAsync();

        var response = await Inquirer.PostInquiryAsync(request);

        await response.ShouldBeAsync(HttpStatusCode.Created, "a valid inquiry is recorded");
        (await response.ReadJsonAsync<ExchangeAnswer>()).Should().BeEquivalentTo(new ExchangeAnswer(request["exchangeId"]!.GetValue<string>()));
        (await api.EventCountAsync()).Should().Be(before + 1);
    }

    [Fact]
    public async Task The_network_system_records_an_inquiry_for_the_inquirer()
    {
        var response = await api.As(Roles.Nws).PostInquiryAsync(ExchangeScenarios.InquiryRequest(api.Person));

        await response.ShouldBeAsync(HttpStatusCode.Created, "the network system writes exchanges");
    }

    [Fact]
    public async Task The_same_inquiry_again_gets_200_with_the_same_answer_and_is_recorded_once()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        var first = await Inquirer.PostInquiryAsync(request);
        var afterFirst = await api.EventCountAsync();

        var again = await Inquirer.PostInquiryAsync(request);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        await again.ShouldBeAsync(HttpStatusCode.OK, "a retried inquiry is answered as the first was");
        (await again.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    [Fact]
    public async Task The_same_inquiry_sent_by_the_network_system_after_the_inquirer_is_the_same_request()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        await (await Inquirer.PostInquiryAsync(request)).ShouldBeAsync(HttpStatusCode.Created, "the first copy is recorded");
        var afterFirst = await api.EventCountAsync();

        var fromNws = await api.As(Roles.Nws).PostInquiryAsync(request);

        await fromNws.ShouldBeAsync(HttpStatusCode.OK, "the network system's copy of the same inquiry is a duplicate, not a conflict");
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    /// <summary>A second body under the first one's exchangeId, differing in one field.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Changes = new()
    {
        ["requestedAt"] = r => r["requestedAt"] = ExchangeScenarios.RequestedAt.AddHours(1).ToString("O"),
        ["infoItemCode"] = r => r["infoItemCode"] = ExchangeScenarios.ResidentInfo,
        ["period"] = r => r["period"] = null,
        ["nonDisclosure"] = ExchangeScenarios.NonDisclosed,
    };

    public static TheoryData<string> ChangedFields() => [.. Changes.Keys];

    [Theory]
    [MemberData(nameof(ChangedFields))]
    public async Task The_same_exchange_id_with_another_body_gets_409_and_writes_nothing(string field)
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        await (await Inquirer.PostInquiryAsync(request)).ShouldBeAsync(HttpStatusCode.Created, "the first body is recorded");
        var other = request.DeepClone().AsObject();
        Changes[field](other);

        await api.RefusesAsync(HttpStatusCode.Conflict, () => Inquirer.PostInquiryAsync(other));
    }

    /// <summary>A valid inquiry broken in one field, sent by the network system so that the inquirer check plays no part.</summary>
    public static TheoryData<string, string> UnknownCodes() => new()
    {
        { "inquirerCode", Institutions.Chuo },
        { "providerCode", Institutions.Chuo },
        { "providerCode", "N-UNKNOWN" },
        { "procedureCode", "9999" },
        { "infoItemCode", "999" },
    };

    [Theory]
    [MemberData(nameof(UnknownCodes))]
    public async Task An_unknown_code_gets_400_naming_the_field_and_writes_nothing(string field, string value)
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        request[field] = value;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.As(Roles.Nws).PostInquiryAsync(request));

        problem.ShouldName(field);
    }

    [Theory]
    [InlineData("inquirerCode", "131017")]
    [InlineData("providerCode", "011009")]
    public async Task A_local_government_code_with_a_wrong_check_digit_gets_400_naming_the_field(string field, string value)
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        request[field] = value;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.As(Roles.Nws).PostInquiryAsync(request));

        problem.ShouldName(field);
        problem.Errors![field].Should().ContainMatch("*check digit*");
    }

    [Fact]
    public async Task A_requested_at_in_the_future_gets_400_and_writes_nothing()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person, requestedAt: DateTimeOffset.UtcNow.AddHours(1));

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Inquirer.PostInquiryAsync(request));

        problem.ShouldName("requestedAt");
    }

    [Fact]
    public async Task A_requested_at_within_the_clock_skew_is_accepted()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person, requestedAt: DateTimeOffset.UtcNow.AddSeconds(30));

        var response = await Inquirer.PostInquiryAsync(request);

        await response.ShouldBeAsync(HttpStatusCode.Created, "a clock a few seconds ahead is not an error");
    }

    [Fact]
    public async Task An_inquiry_about_a_local_record_not_linked_to_anyone_is_refused_naming_the_record_and_writes_nothing()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        request["inquirerLocalRecordId"] = api.UnlinkedRecordId;

        var problem = await api.RefusesAsync(HttpStatusCode.UnprocessableEntity, () => Inquirer.PostInquiryAsync(request));

        problem.ShouldName("inquirerLocalRecordId");
    }

    [Fact]
    public async Task An_institution_recording_an_inquiry_of_another_inquirer_gets_403_and_writes_nothing()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);

        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.Institution(Institutions.Shinjuku).PostInquiryAsync(request));
    }

    [Theory]
    [InlineData(Roles.Mynaportal)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    public async Task A_role_that_does_not_write_exchanges_gets_403_and_writes_nothing(string role)
    {
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => api.As(role).PostInquiryAsync(ExchangeScenarios.InquiryRequest(api.Person)));
    }

    [Fact]
    public async Task An_inquiry_without_a_token_gets_401_and_writes_nothing()
    {
        await api.RefusesAsync(HttpStatusCode.Unauthorized, () => api.Anonymous().PostInquiryAsync(ExchangeScenarios.InquiryRequest(api.Person)));
    }

    [Fact]
    public async Task Eight_identical_inquiries_at_once_are_recorded_once_and_all_answered_with_the_same_exchange_id()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        var before = await api.EventCountAsync();
        var clients = Enumerable.Range(0, 8).Select(_ => Inquirer).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostInquiryAsync(request)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        var answers = await Task.WhenAll(responses.Select(r => r.ReadJsonAsync<ExchangeAnswer>()));
        answers.Should().AllBeEquivalentTo(new ExchangeAnswer(request["exchangeId"]!.GetValue<string>()));
        (await api.EventCountAsync()).Should().Be(before + 1);
    }
}
