using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.Tests.Authorization;

/// <summary>Who may call each route (API.md, SPEC §5). Every route the service maps must have a row here.</summary>
public static class RouteRoles
{
    public sealed record Rule(string Method, string Template, string[] Allowed);

    public static readonly Rule[] Rules =
    [
        new("POST", "/api/v1/linkages", [Roles.Institution]),
        new("POST", "/api/v1/linkages/{linkageId}/verifications", [Roles.Institution]),
        new("GET", "/api/v1/linkages/{linkageId}/history", [Roles.Institution, Roles.Auditor, Roles.IncidentResponder]),
        new("POST", "/api/v1/exchanges", [Roles.Nws, Roles.Institution]),
        new("POST", "/api/v1/exchanges/batch", [Roles.Nws, Roles.Institution]),
        new("POST", "/api/v1/exchanges/{exchangeId}/provision", [Roles.Nws, Roles.Institution]),
        new("POST", "/api/v1/exchanges/{exchangeId}/corrections", [Roles.Nws, Roles.Institution]),
        new("POST", "/api/v1/exchanges/{exchangeId}/non-disclosure", [Roles.Nws, Roles.Institution]),
        new("POST", "/api/v1/exchanges/{exchangeId}/non-disclosure/lift", [Roles.Nws, Roles.Institution]),
        new("GET", "/api/v1/exchanges/{exchangeId}/history", [Roles.Nws, Roles.Institution, Roles.Auditor, Roles.IncidentResponder]),
        new("POST", "/api/v1/subjects/protections", [Roles.Institution, Roles.Nws]),
        new("POST", "/api/v1/subjects/protections/{protectionId}/end", [Roles.Institution, Roles.Nws]),
        new("GET", "/api/v1/parties/nws/records", [Roles.Nws, Roles.Auditor]),
        new("GET", "/api/v1/parties/{institutionCode}/records", [Roles.Institution, Roles.Auditor]),
        new("GET", "/api/v1/parties/{institutionCode}/corrections", [Roles.Institution, Roles.Auditor, Roles.IncidentResponder]),
        new("POST", "/api/v1/mynaportal/records/search", [Roles.Mynaportal]),
        new("GET", "/api/v1/parties/reconciliation", [Roles.Auditor]),
        new("POST", "/api/v1/linkages/{linkageId}/mislinkage", [Roles.Institution, Roles.IncidentResponder]),
        new("POST", "/api/v1/linkages/verifications/batch", [Roles.Institution]),
        new("GET", "/api/v1/linkages/risks", [Roles.Auditor, Roles.IncidentResponder, Roles.Institution]),
        new("GET", "/api/v1/incidents", [Roles.IncidentResponder, Roles.Auditor, Roles.Institution]),
        new("GET", "/api/v1/incidents/{incidentId}/trace", [Roles.IncidentResponder, Roles.Auditor]),
        new("GET", "/api/v1/incidents/{incidentId}/report", [Roles.IncidentResponder, Roles.Auditor]),
        new("GET", "/api/v1/statistics/usage", [Roles.Auditor, Roles.Nws, Roles.Institution]),
        new("GET", "/api/v1/audit/checkpoints/latest", [Roles.Auditor]),
        new("GET", "/api/v1/audit/checkpoints/{id}", [Roles.Auditor]),
        new("POST", "/api/v1/audit/checkpoints", [Roles.Auditor]),
        new("GET", "/api/v1/audit/checkpoints/latest/note", [Roles.Auditor]),
        new("GET", "/api/v1/audit/checkpoints/{id}/note", [Roles.Auditor]),
        new("POST", "/api/v1/audit/checkpoints/{id}/cosignatures", [Roles.Auditor]),
        new("GET", "/api/v1/audit/consistency", [Roles.Auditor]),
        new("GET", "/api/v1/audit/public-key", [Roles.Auditor]),
        new("GET", "/api/v1/audit/proofs/{seq}", [Roles.Auditor]),
        new("GET", "/api/v1/audit/access", [Roles.Auditor]),
        new("POST", "/api/v1/audit/access/search", [Roles.Auditor]),
        new("GET", "/api/v1/reference-codes", [.. Roles.All]),
        new("POST", "/api/v1/inquiries/files", [Roles.Nws, Roles.Institution]),
        new("GET", "/api/v1/inquiries/files/{fileId}", [Roles.Institution, Roles.Nws, Roles.Auditor]),
    ];

    /// <summary>The route with its parameters filled in: ids that exist nowhere, and the calling institution's own code.</summary>
    public static string Url(string template) => template
        .Replace("{linkageId}", "no-such-linkage", StringComparison.Ordinal)
        .Replace("{exchangeId}", "NWS-no-such-exchange", StringComparison.Ordinal)
        .Replace("{protectionId}", "no-such-protection", StringComparison.Ordinal)
        .Replace("{fileId}", "IF-131016-no-such-file", StringComparison.Ordinal)
        .Replace("{id}", "1", StringComparison.Ordinal)
        .Replace("{incidentId}", "no-such-incident", StringComparison.Ordinal)
        .Replace("{seq}", "1", StringComparison.Ordinal)
        .Replace("{institutionCode}", Institutions.Chiyoda, StringComparison.Ordinal)
        .Replace("{id}", "1", StringComparison.Ordinal)
        .Replace("{incidentId}", "no-such-incident", StringComparison.Ordinal)
        .Replace("{seq}", "1", StringComparison.Ordinal)
        + (template.EndsWith("/records", StringComparison.Ordinal) && template.Contains("{institutionCode}", StringComparison.Ordinal) ? "?role=inquirer" : "");

    public static HttpClient ClientFor(LedgerApi api, string? role) => role switch
    {
        null => api.Anonymous(),
        Roles.Institution => api.Institution(Institutions.Chiyoda),
        _ => api.As(role),
    };

    public static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string template) => method switch
    {
        "GET" => client.GetAsync(new Uri(Url(template), UriKind.Relative)),
        "POST" => client.PostAsync(new Uri(Url(template), UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json")),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };
}

/// <summary>For every route: no token is 401, a role that may not act is 403 problem+json, and neither writes anything.</summary>
public sealed class RoleMatrixTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    public static TheoryData<string, string, string> Refused()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var rule in RouteRoles.Rules)
        {
            foreach (var role in Roles.All.Except(rule.Allowed))
            {
                data.Add(rule.Method, rule.Template, role);
            }
        }

        return data;
    }

    public static TheoryData<string, string> AllRoutes()
    {
        var data = new TheoryData<string, string>();
        foreach (var rule in RouteRoles.Rules)
        {
            data.Add(rule.Method, rule.Template);
        }

        return data;
    }

    public static TheoryData<string, string, string> Allowed()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var rule in RouteRoles.Rules)
        {
            foreach (var role in rule.Allowed)
            {
                data.Add(rule.Method, rule.Template, role);
            }
        }

        return data;
    }

    [Fact]
    public void Every_route_the_service_maps_has_a_row_in_the_matrix()
    {
        var mapped = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .ToList();

        mapped.Should().BeEquivalentTo(RouteRoles.Rules.Select(r => $"{r.Method} {r.Template}"),
            "a route without a row would have no tested roles; add it to RouteRoles with the roles API.md gives it");
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Without_a_token_every_route_gets_401_and_writes_nothing(string method, string template)
    {
        await api.RefusesAsync(HttpStatusCode.Unauthorized, () => RouteRoles.SendAsync(api.Anonymous(), method, template));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task A_role_that_may_not_act_gets_403_problem_json_and_writes_nothing(string method, string template, string role)
    {
        await api.RefusesAsync(HttpStatusCode.Forbidden, () => RouteRoles.SendAsync(RouteRoles.ClientFor(api, role), method, template));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public async Task A_role_that_may_act_is_let_through_to_the_route(string method, string template, string role)
    {
        var response = await RouteRoles.SendAsync(RouteRoles.ClientFor(api, role), method, template);

        response.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized).And.NotBe(HttpStatusCode.Forbidden,
            "{0} may call {1} {2}; the answer was: {3}", role, method, template, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>
/// Given: an exchange between 千代田区 and 札幌市 with a correction, 千代田区's linkage, and a protection 千代田区 registered.
/// </summary>
public sealed class ApiWithAnotherInstitutionsRecords : ApiWithLinkedSubject
{
    public string ExchangeId { get; private set; } = "";

    public string LinkageId { get; private set; } = "";

    protected override async Task GivenAsync()
    {
        await base.GivenAsync();
        ExchangeId = await this.RecordExchangeAsync(Person, ExchangeScenarios.RequestedAt);
        await this.Institution(Institutions.Chiyoda).AppendCorrectionAsync(ExchangeId, ExchangeScenarios.CorrectionRequest("追記"));
        LinkageId = (await Linkages.LinkageScenarios.LinkAsync(this, Institutions.Chiyoda, Linkages.LinkageScenarios.NewLocalRecordId(), MyNumbers.Next())).LinkageId;
    }
}

/// <summary>An institution asking about another institution's records is told they do not exist (SPEC §3, §5).</summary>
public sealed class OtherInstitutionsRecordsTests(ApiWithAnotherInstitutionsRecords api) : IClassFixture<ApiWithAnotherInstitutionsRecords>
{
    /// <summary>The same request about something of 千代田区's, and about something that does not exist.</summary>
    private static readonly Dictionary<string, (string Method, Func<ApiWithAnotherInstitutionsRecords, string> Existing, string Missing, JsonObject? Body)> Reads = new()
    {
        ["inquirer-records"] = ("GET", _ => $"/api/v1/parties/{Institutions.Chiyoda}/records?role=inquirer", $"/api/v1/parties/{Institutions.Chuo}/records?role=inquirer", null),
        ["provider-records"] = ("GET", _ => $"/api/v1/parties/{Institutions.Sapporo}/records?role=provider", $"/api/v1/parties/{Institutions.Chuo}/records?role=provider", null),
        ["corrections"] = ("GET", _ => $"/api/v1/parties/{Institutions.Chiyoda}/corrections", $"/api/v1/parties/{Institutions.Chuo}/corrections", null),
        ["exchange-history"] = ("GET", a => ExchangeScenarios.HistoryRoute(a.ExchangeId), ExchangeScenarios.HistoryRoute("NWS-no-such-exchange"), null),
        ["linkage-history"] = ("GET", a => $"/api/v1/linkages/{a.LinkageId}/history", "/api/v1/linkages/no-such-linkage/history", null),
        ["verification"] = ("POST", a => $"/api/v1/linkages/{a.LinkageId}/verifications", "/api/v1/linkages/no-such-linkage/verifications",
            new JsonObject { ["method"] = "jlis-4-items", ["occurredAt"] = ExchangeScenarios.RequestedAt.ToString("O"), ["agreed"] = true }),
        ["correction"] = ("POST", a => ExchangeScenarios.CorrectionsRoute(a.ExchangeId), ExchangeScenarios.CorrectionsRoute("NWS-no-such-exchange"),
            ExchangeScenarios.CorrectionRequest("部外者の追記")),
        ["non-disclosure"] = ("POST", a => ExchangeScenarios.NonDisclosureRoute(a.ExchangeId), ExchangeScenarios.NonDisclosureRoute("NWS-no-such-exchange"),
            new JsonObject { ["reason"] = "dv", ["by"] = "x" }),
        ["lift"] = ("POST", a => ExchangeScenarios.LiftRoute(a.ExchangeId), ExchangeScenarios.LiftRoute("NWS-no-such-exchange"), new JsonObject { ["by"] = "x" }),
    };

    public static TheoryData<string> Cases() => [.. Reads.Keys];

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string url, JsonObject? body) =>
        method == "GET" ? client.GetAsync(new Uri(url, UriKind.Relative)) : client.PostJsonAsync(url, body!);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Another_institution_gets_404_as_if_nothing_were_there_and_writes_nothing(string name)
    {
        var (method, existing, missing, body) = Reads[name];
        var outsider = api.Institution(Institutions.Shinjuku);

        var aboutExisting = await api.RefusesAsync(HttpStatusCode.NotFound, () => SendAsync(outsider, method, existing(api), body));
        var aboutMissing = await api.RefusesAsync(HttpStatusCode.NotFound, () => SendAsync(outsider, method, missing, body));

        aboutExisting.Title.Should().Be(aboutMissing.Title, "the answer must not tell that something is there");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_owner_is_not_told_the_same(string name)
    {
        var (method, existing, _, body) = Reads[name];
        var owner = api.Institution(name == "provider-records" ? Institutions.Sapporo : Institutions.Chiyoda);

        var response = await SendAsync(owner, method, existing(api), body);

        // Lifting a mark that is not there is a 409: the counterpart here is only that the owner finds the record.
        response.StatusCode.Should().NotBe(HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync())
            .And.NotBe(HttpStatusCode.Forbidden);
    }
}
