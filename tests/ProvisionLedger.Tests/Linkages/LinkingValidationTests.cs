using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>
/// A bad linkage request is a 400 problem+json naming each bad field (camelCase, as the request spelled it), and
/// nothing is written (SPEC §6).
/// </summary>
public sealed class LinkingValidationTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private sealed record Case(string Field, Action<JsonObject> Break, string? InstitutionCode = null);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["my number of 11 digits"] = new("myNumber", r => r["myNumber"] = "12345678901"),
        ["my number of 13 digits"] = new("myNumber", r => r["myNumber"] = "1234567890180"),
        ["my number with a letter"] = new("myNumber", r => r["myNumber"] = "12345678901a"),
        ["my number in full-width digits"] = new("myNumber", r => r["myNumber"] = "１２３４５６７８９０１８"),
        ["my number with a wrong check digit"] = new("myNumber", r => r["myNumber"] = MyNumbers.WithWrongCheckDigits((string)r["myNumber"]!).First()),
        ["my number missing"] = new("myNumber", r => r.Remove("myNumber")),
        ["my number as a JSON number"] = new("myNumber", r => r["myNumber"] = long.Parse((string)r["myNumber"]!, System.Globalization.CultureInfo.InvariantCulture)),
        // Sent with 千代田区's token: a token naming an institution the reference codes do not list is refused as a token.
        ["unknown institution"] = new("institutionCode", r => r["institutionCode"] = Institutions.Chuo),
        ["institution code with a wrong check digit"] = new("institutionCode", r => r["institutionCode"] = "131017"),
        ["institution code missing"] = new("institutionCode", r => r.Remove("institutionCode")),
        ["local record id missing"] = new("localRecordId", r => r["localRecordId"] = " "),
        ["unknown method"] = new("method", r => r["method"] = "guessed"),
        ["method missing"] = new("method", r => r.Remove("method")),
        ["occurredAt in the future"] = new("occurredAt", r => r["occurredAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O")),
        ["occurredAt not a time"] = new("occurredAt", r => r["occurredAt"] = "yesterday"),
        ["occurredAt missing"] = new("occurredAt", r => r.Remove("occurredAt")),
        ["candidate count as text"] = new("evidence.candidateCount", r => r["evidence"]!["candidateCount"] = "two"),
        ["negative candidate count"] = new("evidence.candidateCount", r => r["evidence"]!["candidateCount"] = -1),
        ["unknown query item"] = new("evidence.queryItems", r => r["evidence"]!["queryItems"] = new JsonArray("bloodType")),
        ["evidence missing"] = new("evidence", r => r.Remove("evidence")),
        ["applicant-provided number without documents"] = new("evidence.documents", r => r["method"] = "applicant-provided"),
        ["operator missing"] = new("operatorId", r => r.Remove("operatorId")),
        ["empty checker id"] = new("checkerIds", r => r["checkerIds"] = new JsonArray("")),
        ["checker ids as text"] = new("checkerIds", r => r["checkerIds"] = "staff-22"),
    };

    public static TheoryData<string> BadRequests() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_field_is_named_and_nothing_is_written(string badRequest)
    {
        var (field, breakIt, institutionCode) = Cases[badRequest];
        var myNumber = MyNumbers.Next();
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), myNumber);
        breakIt(request);
        var before = await api.EventCountAsync();

        var response = await api.PostLinkAsync(institutionCode ?? Institutions.Chiyoda, request);

        await ShouldBeRejectedAsync(response, before, [field], myNumber);
    }

    [Fact]
    public async Task Every_bad_field_of_a_request_is_named_at_once()
    {
        var myNumber = MyNumbers.Next();
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), myNumber[..11]);
        request["method"] = "guessed";
        request["occurredAt"] = DateTimeOffset.UtcNow.AddDays(2).ToString("O");
        request.Remove("operatorId");
        var before = await api.EventCountAsync();

        var response = await api.PostLinkAsync(Institutions.Chiyoda, request);

        await ShouldBeRejectedAsync(response, before, ["myNumber", "method", "occurredAt", "operatorId"], myNumber);
    }

    [Fact]
    public async Task Malformed_json_is_a_400_about_the_body()
    {
        var myNumber = MyNumbers.Next();
        var json = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), myNumber).ToJsonString();
        var before = await api.EventCountAsync();

        var response = await api.Institution(Institutions.Chiyoda).PostRawJsonAsync(LinkageScenarios.Route, json[..(json.Length / 2)]);

        await ShouldBeRejectedAsync(response, before, ["body"], myNumber);
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("\"131016\"")]
    public async Task A_body_that_is_not_a_json_object_is_a_400_about_the_body(string body)
    {
        var before = await api.EventCountAsync();

        var response = await api.Institution(Institutions.Chiyoda).PostRawJsonAsync(LinkageScenarios.Route, body);

        await ShouldBeRejectedAsync(response, before, ["body"], myNumber: null);
    }

    private async Task ShouldBeRejectedAsync(HttpResponseMessage response, long eventsBefore, string[] fields, string? myNumber)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, text);
        var problem = await response.ReadProblemAsync();
        problem.Title.Should().NotBeNullOrWhiteSpace();
        problem.Errors.Should().NotBeNull().And.ContainKeys(fields);
        problem.Errors!.Values.Should().OnlyContain(messages => messages.Length > 0 && messages.All(m => m.Length > 0));
        if (myNumber is not null)
        {
            text.Contains(myNumber[..11], StringComparison.Ordinal).Should().BeFalse("a rejection must not repeat the My Number");
        }

        (await api.EventCountAsync()).Should().Be(eventsBefore, "a rejected request writes nothing");
    }
}
