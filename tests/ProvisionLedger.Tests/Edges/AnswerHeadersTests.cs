using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Incidents.Reporting;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Edges;

/// <summary>The service on real Kestrel at a loopback port, where a <c>Server</c> header and the Host header are real.</summary>
public sealed class KestrelLedgerApi : LedgerApi
{
    public KestrelLedgerApi() => UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
}

/// <summary>
/// Answers (issue 12, finding 6): API JSON is never kept by a browser or proxy and never sniffed, every answer carries
/// the security headers, no <c>Server</c> header, and a Host header is neither accepted from anywhere nor reflected
/// into a <c>Location</c>.
/// </summary>
public sealed class AnswerHeadersTests(KestrelLedgerApi api) : IClassFixture<KestrelLedgerApi>
{
    public static TheoryData<string> Answers() => ["api-json", "api-problem-401", "api-problem-400", "page", "health"];

    private Task<HttpResponseMessage> SendAsync(string answer) => answer switch
    {
        "api-json" => api.As(Roles.Auditor).GetAsync(new Uri("/api/v1/parties/nws/records", UriKind.Relative)),
        "api-problem-401" => api.Anonymous().GetAsync(new Uri("/api/v1/parties/nws/records", UriKind.Relative)),
        "api-problem-400" => api.Institution(Institutions.Chiyoda).PostRawJsonAsync(LinkageScenarios.Route, "{"),
        "page" => api.Anonymous().GetAsync(new Uri("/console/audit/", UriKind.Relative)),
        "health" => api.Anonymous().GetAsync(new Uri("/health", UriKind.Relative)),
        _ => throw new ArgumentOutOfRangeException(nameof(answer), answer, null),
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Every_answer_carries_the_security_headers_and_no_server_header(string answer)
    {
        var response = await SendAsync(answer);

        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Headers.GetValues("X-Content-Type-Options").Should().Equal("nosniff");
        response.Headers.GetValues("X-Frame-Options").Should().Equal("DENY");
        response.Headers.GetValues("Referrer-Policy").Should().Equal("no-referrer");
        response.Headers.GetValues("Content-Security-Policy").Should().Equal(api.Services.GetRequiredService<ContentSecurityPolicy>().Value);
        response.Headers.Contains("Server").Should().BeFalse();
    }

    [Fact]
    public async Task The_policy_allows_the_incident_reports_inline_stylesheet_by_its_hash_and_no_other_inline_style()
    {
        var response = await SendAsync("page");

        var hash = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ReportDocument.Style)));
        response.Headers.GetValues("Content-Security-Policy").Single().Split("; ").Should().Contain($"style-src 'self' 'sha256-{hash}'");
    }

    [Fact]
    public async Task A_foreign_host_is_refused_and_never_reflected_into_a_location()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/console/audit", UriKind.Relative));
        request.Headers.Host = "evil.example";

        var response = await api.Anonymous().SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Headers.Location.Should().BeNull();
    }

    [Fact]
    public async Task A_folder_without_its_slash_is_redirected_without_a_host()
    {
        var client = api.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/console/audit?x=1", UriKind.Relative));

        var response = await new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = client.BaseAddress }.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.MovedPermanently);
        response.Headers.Location.Should().Be(new Uri("/console/audit/?x=1", UriKind.Relative));
    }
}
