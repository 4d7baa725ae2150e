using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Mynaportal;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>
/// An institution that is no party of an exchange learns nothing of its existence: an existing id and an unknown one
/// get the same answer, on the single route and in a batch.
/// </summary>
public sealed class ExistenceOracleTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private const string Stranger = Institutions.Shinjuku;

    /// <summary>An inquiry by the stranger under one of its local records that is linked to nobody.</summary>
    private static JsonObject Probe(string exchangeId) => new()
    {
        ["exchangeId"] = exchangeId,
        ["inquirerCode"] = Stranger,
        ["providerCode"] = Institutions.Sapporo,
        ["procedureCode"] = ExchangeScenarios.ChildAllowance,
        ["infoItemCode"] = ExchangeScenarios.TaxInfo,
        ["inquirerLocalRecordId"] = "PROBE-UNLINKED",
        ["requestedAt"] = ExchangeScenarios.RequestedAt.ToString("O"),
    };

    private static async Task<(HttpStatusCode, string)> AnswerAsync(HttpResponseMessage response) =>
        (response.StatusCode, PortalScenarios.WithoutTraceId(await response.Content.ReadAsStringAsync()));

    [Fact]
    public async Task An_existing_id_of_another_institution_answers_as_an_unknown_id()
    {
        var existing = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var stranger = api.Institution(Stranger);

        var forExisting = await AnswerAsync(await stranger.PostInquiryAsync(Probe(existing)));
        var forUnknown = await AnswerAsync(await stranger.PostInquiryAsync(Probe(ExchangeScenarios.NewExchangeId())));

        forExisting.Should().Be(forUnknown);
        forExisting.Item1.Should().Be(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_batch_of_guesses_answers_alike_for_existing_and_unknown_ids()
    {
        var existing = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var stranger = api.Institution(Stranger);
        JsonObject Batch(string id) => new() { ["records"] = new JsonArray(new JsonObject { ["inquiry"] = Probe(id) }) };

        var forExisting = await AnswerAsync(await stranger.PostJsonAsync("/api/v1/exchanges/batch", Batch(existing)));
        var forUnknown = await AnswerAsync(await stranger.PostJsonAsync("/api/v1/exchanges/batch", Batch(ExchangeScenarios.NewExchangeId())));

        forExisting.Should().Be(forUnknown);
    }

    [Fact]
    public async Task A_valid_inquiry_under_a_taken_id_is_refused_without_saying_what_the_exchange_holds()
    {
        var existing = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var strangersPerson = await api.LinkPersonAsync(Stranger, Institutions.Sapporo);
        var events = await api.EventCountAsync();

        var response = await api.Institution(Stranger).PostInquiryAsync(ExchangeScenarios.InquiryRequest(strangersPerson, existing));

        await response.ShouldBeAsync(HttpStatusCode.Conflict, "a taken id cannot be recorded again");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("other content");
        (await api.EventCountAsync()).Should().Be(events);
    }

    [Fact]
    public async Task The_inquirer_itself_still_learns_that_its_id_holds_other_content()
    {
        var existing = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var other = ExchangeScenarios.InquiryRequest(api.Person, existing, ExchangeScenarios.RequestedAt.AddDays(1));

        var response = await api.Institution(api.Person.InquirerCode).PostInquiryAsync(other);

        await response.ShouldBeAsync(HttpStatusCode.Conflict, "the same id with another body is a conflict for the party that holds it");
    }
}
