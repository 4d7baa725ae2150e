using System.Net;
using System.Text;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Edges;

/// <summary>
/// Sizes and query values (issue 12, finding 3): a small body limit everywhere but the bulk routes, 413 problem+json
/// above a limit; a query value of the wrong type, or with a NUL or another control character, is a 400 naming the
/// parameter, never ignored and never a 500.
/// </summary>
public sealed class RequestLimitsTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task A_body_above_256_KiB_on_an_ordinary_route_gets_413_and_writes_nothing()
    {
        var request = LinkageScenarios.LinkRequest(Institutions.Chiyoda, LinkageScenarios.NewLocalRecordId(), MyNumbers.Next());
        request["reason"] = new string('x', 300 * 1024);

        var problem = await api.RefusesAsync(HttpStatusCode.RequestEntityTooLarge,
            () => api.Institution(Institutions.Chiyoda).PostJsonAsync(LinkageScenarios.Route, request));

        problem.Detail.Should().Contain((256 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_body_without_a_length_is_stopped_at_the_limit_too()
    {
        var body = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"reason\":\"" + new string('x', 300 * 1024) + "\"}")));
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, LinkageScenarios.Route) { Content = body };
        request.Headers.TransferEncodingChunked = true;

        var problem = await api.RefusesAsync(HttpStatusCode.RequestEntityTooLarge, () => api.Institution(Institutions.Chiyoda).SendAsync(request));

        problem.Status.Should().Be(413);
    }

    [Fact]
    public async Task The_bulk_route_takes_a_body_above_the_ordinary_limit_and_refuses_one_above_its_own()
    {
        var nws = api.As(Roles.Nws);
        var padded = "{\"records\": []" + new string(' ', 512 * 1024) + "}";

        var withinBulkLimit = await nws.PostRawJsonAsync("/api/v1/exchanges/batch", padded);
        var aboveBulkLimit = await api.RefusesAsync(HttpStatusCode.RequestEntityTooLarge,
            () => nws.PostRawJsonAsync("/api/v1/exchanges/batch", "{\"records\": []" + new string(' ', 5 * 1024 * 1024) + "}"));

        withinBulkLimit.StatusCode.Should().NotBe(HttpStatusCode.RequestEntityTooLarge, "the batch route has its own, larger limit");
        ((int)withinBulkLimit.StatusCode).Should().BeLessThan(500);
        aboveBulkLimit.Detail.Should().Contain((4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("/api/v1/audit/access?pageSize=abc", "pageSize")]
    [InlineData("/api/v1/audit/proofs/1?checkpoint=abc", "checkpoint")]
    public async Task An_unparseable_query_value_gets_400_naming_the_parameter(string url, string parameter)
    {
        var response = await api.As(Roles.Auditor).GetAsync(new Uri(url, UriKind.Relative));

        await response.ShouldBeAsync(HttpStatusCode.BadRequest, "a query value of the wrong type is refused");
        var problem = await response.ReadProblemAsync();
        (problem.Detail + " " + problem.Title + " " + string.Join(" ", problem.Errors?.Keys.ToArray() ?? [])).Should().Contain(parameter);
    }

    [Theory]
    [InlineData("/api/v1/statistics/usage?inquirerCode=131016%00", "inquirerCode")]
    [InlineData("/api/v1/audit/access?principal=institution%00x", "principal")]
    [InlineData("/api/v1/audit/access?institutionCode=131016%1B%5B31m", "institutionCode")]
    [InlineData("/api/v1/parties/nws/records?cursor=%07", "cursor")]
    public async Task A_control_character_in_a_query_value_gets_400_naming_the_parameter_and_logs_no_error(string url, string parameter)
    {
        var errorsBefore = api.Logs.Lines.Count(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));

        var response = await api.As(Roles.Auditor).GetAsync(new Uri(url, UriKind.Relative));

        await response.ShouldBeAsync(HttpStatusCode.BadRequest, "a control character is refused before any query runs");
        (await response.ReadProblemAsync()).ShouldName(parameter);
        api.Logs.Lines.Count(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal))
            .Should().Be(errorsBefore);
    }
}
