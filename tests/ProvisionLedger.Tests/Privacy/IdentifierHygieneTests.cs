using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>
/// Ids and codes are NFKC-normalised and limited to an ASCII set, so a look-alike is either the same id or refused; free
/// text carries no control or invisible formatting characters; every field and list has a ceiling. All refusals name
/// the field and write nothing.
/// </summary>
public sealed class IdentifierHygieneTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static string FullWidth(string ascii) =>
        new(ascii.Select(c => c is >= '!' and <= '~' ? (char)(c - '!' + '！') : c).ToArray());

    [Fact]
    public async Task A_full_width_exchange_id_is_the_same_id_as_its_ascii_form()
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person);
        var id = request["exchangeId"]!.GetValue<string>();
        var client = api.Institution(api.Person.InquirerCode);
        (await client.PostInquiryAsync(request)).StatusCode.Should().Be(HttpStatusCode.Created);
        var events = await api.EventCountAsync();

        request["exchangeId"] = FullWidth(id);
        var again = await client.PostInquiryAsync(request);

        await again.ShouldBeAsync(HttpStatusCode.OK, "the normalised id is the id already recorded");
        (await again.ReadJsonAsync<ExchangeAnswer>()).ExchangeId.Should().Be(id);
        (await api.EventCountAsync()).Should().Be(events);
        (await client.GetAsync($"/api/v1/exchanges/{Uri.EscapeDataString(FullWidth(id))}/history")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    public static TheoryData<string, string> InvisibleIds() => new()
    {
        { "zero-width space", "NWS-victim-0\u200B" },
        { "right-to-left override", "NWS-\u202Emitciv" },
        { "escape", "NWS-\u001B[31m" },
        { "bell", "NWS-\u0007" },
        { "non-ascii letter", "NWS-被害者" },
    };

    [Theory]
    [MemberData(nameof(InvisibleIds))]
    public async Task An_exchange_id_with_invisible_or_foreign_characters_is_refused(string what, string id)
    {
        var request = ExchangeScenarios.InquiryRequest(api.Person, id);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.Institution(api.Person.InquirerCode).PostInquiryAsync(request));

        problem.ShouldName("exchangeId");
        what.Should().NotBeEmpty();
    }

    [Fact]
    public async Task A_local_record_id_with_a_bidi_override_is_refused()
    {
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, "A-\u202E1000", MyNumbers.Next());

        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostLinkAsync(Institutions.Chiyoda, request))).ShouldName("localRecordId");
    }

    [Fact]
    public async Task A_route_value_with_a_zero_width_character_is_refused_naming_it()
    {
        var response = await api.As(Roles.Auditor).GetAsync($"/api/v1/exchanges/{Uri.EscapeDataString("NWS-1\u200B")}/history");

        await response.ShouldBeAsync(HttpStatusCode.BadRequest, "a route value is an identifier too");
        (await response.ReadProblemAsync()).ShouldName("exchangeId");
    }

    [Fact]
    public async Task Lists_and_fields_have_ceilings()
    {
        var tooManyCheckers = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        tooManyCheckers["checkerIds"] = new JsonArray(Enumerable.Range(0, 1000).Select(i => (JsonNode)JsonValue.Create($"staff-{i}")!).ToArray());
        var longChecker = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        longChecker["checkerIds"] = new JsonArray(new string('x', 1000));
        var hugeDocument = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        hugeDocument["evidence"]!["documents"] = new JsonArray(new string('書', 3_000));

        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostLinkAsync(Institutions.Chiyoda, tooManyCheckers))).ShouldName("checkerIds");
        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostLinkAsync(Institutions.Chiyoda, longChecker))).ShouldName("checkerIds[0]");
        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostLinkAsync(Institutions.Chiyoda, hugeDocument))).ShouldName("evidence.documents[0]");
    }

    [Fact]
    public async Task Free_text_refuses_control_and_formatting_characters()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var party = api.Institution(api.Person.InquirerCode);

        var withEscape = ExchangeScenarios.CorrectionRequest("照会対象者誤り\u001B[2J");
        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => party.PostCorrectionAsync(exchangeId, withEscape))).ShouldName("note");
        var withZeroWidth = ExchangeScenarios.CorrectionRequest("照会\u200B対象者誤り");
        (await api.RefusesAsync(HttpStatusCode.BadRequest, () => party.PostCorrectionAsync(exchangeId, withZeroWidth))).ShouldName("note");
        var plain = ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記（担当：９）");
        (await party.PostCorrectionAsync(exchangeId, plain)).StatusCode.Should().Be(HttpStatusCode.Created);
    }
}
