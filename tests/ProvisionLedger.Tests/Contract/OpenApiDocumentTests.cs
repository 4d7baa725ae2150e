using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Contract;

/// <summary>
/// The OpenAPI document is the contract third parties build on: the one kept in the repository (docs/openapi/v1.json)
/// is the one the service serves, and every operation in it says what a client needs.
/// </summary>
public sealed class OpenApiDocumentTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    public const string KeptDocument = "docs/openapi/v1.json";

    /// <summary>How the kept document is written: the service's build writes it (Microsoft.Extensions.ApiDescription.Server).</summary>
    public const string HowToWrite = "`dotnet build src/ProvisionLedger.Api -c Release` writes it; review the diff and commit it";

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ProvisionLedger.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with ProvisionLedger.sln) is not above the test binaries.");
    }

    public static JsonObject Kept() => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), KeptDocument)))!.AsObject();

    /// <summary>
    /// The build generates the kept document without a database (the generator runs the service in its own process, as
    /// Production, with its background work off); the test host serves it with everything running. They must agree, or
    /// the document depends on how the service was started. (CI also fails when the built document is not the committed one.)
    /// </summary>
    [Fact]
    public async Task The_served_document_is_the_one_kept_in_the_repository()
    {
        var served = await api.OpenApiDocumentAsync();
        var file = Path.Combine(RepositoryRoot(), KeptDocument);

        File.Exists(file).Should().BeTrue($"{KeptDocument} is kept in the repository: {HowToWrite}");
        JsonNode.DeepEquals(JsonNode.Parse(served), JsonNode.Parse(await File.ReadAllTextAsync(file))).Should().BeTrue(
            $"{KeptDocument} must be the document the service serves at /openapi/v1.json: {HowToWrite}");
    }

    [Fact]
    public async Task Every_operation_names_its_action_feature_roles_and_answers()
    {
        var document = JsonNode.Parse(await api.OpenApiDocumentAsync())!.AsObject();
        var tags = document["tags"]!.AsArray().Select(t => (string)t!["name"]!).ToHashSet();
        var operationIds = new List<string>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var name = $"{method.ToUpperInvariant()} {path}";
                var id = (string?)operation["operationId"];
                id.Should().NotBeNull(name).And.MatchRegex("^[a-z][A-Za-z0-9]*$", $"{name} is named as an action");
                operationIds.Add(id!);
                operation["tags"]!.AsArray().Select(t => (string)t!).Should().ContainSingle(name).Which.Should().BeOneOf(tags);
                ((string?)operation["summary"]).Should().NotBeNullOrWhiteSpace(name);
                ((string?)operation["description"]).Should().NotBeNullOrWhiteSpace(name);
                var responses = operation["responses"]!.AsObject();
                responses.Should().NotBeEmpty(name);
                var anonymous = operation["security"] is JsonArray { Count: 0 };
                if (!anonymous)
                {
                    responses.Select(r => r.Key).Should().Contain(["401", "403"], $"{name} needs a token of certain roles");
                    operation["x-roles"]!.AsArray().Should().NotBeEmpty($"{name} states the roles it accepts");
                }

                foreach (var (status, response) in responses)
                {
                    var code = int.Parse(status, System.Globalization.CultureInfo.InvariantCulture);
                    // An error answer is problem+json, unless the route documents a body of its own for it (readiness's 503).
                    if (code >= 400 && response!["content"]?["application/json"] is null)
                    {
                        var schema = response!["content"]?["application/problem+json"]?["schema"]?["$ref"]?.ToString();
                        schema.Should().Be(code is 400 or 422 ? "#/components/schemas/ValidationProblem" : "#/components/schemas/Problem",
                            $"{name} answers {code} as problem+json");
                    }
                }

                if (operation["requestBody"] is JsonObject body)
                {
                    foreach (var (mediaType, content) in body["content"]!.AsObject())
                    {
                        content!["example"].Should().NotBeNull($"{name} shows an example {mediaType} body");
                    }
                }
            }
        }

        operationIds.Should().OnlyHaveUniqueItems();
        document["components"]!["securitySchemes"]!["bearer"]!["scheme"]!.ToString().Should().Be("bearer");
    }

    [Fact]
    public async Task Every_example_body_is_valid_by_the_document()
    {
        var document = JsonNode.Parse(await api.OpenApiDocumentAsync())!.AsObject();
        var contract = await api.ContractAsync();
        var checkedBodies = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                if (node!["requestBody"]?["content"]?["application/json"]?["example"] is JsonNode example)
                {
                    contract.CheckRequest(method.ToUpperInvariant(), path, example.ToJsonString())
                        .Should().BeEmpty($"the example of {method.ToUpperInvariant()} {path} is a valid request");
                    checkedBodies++;
                }
            }
        }

        checkedBodies.Should().BeGreaterThan(10);
    }

    [Fact]
    public async Task Every_client_of_the_harness_fails_on_an_answer_the_document_does_not_state()
    {
        // The served document, with the 401 of one route taken out: the harness's check must catch the service's 401.
        var document = JsonNode.Parse(await api.OpenApiDocumentAsync())!;
        document["paths"]!["/api/v1/linkages/risks"]!["get"]!["responses"]!.AsObject().Remove("401");
        using var client = api.CreateDefaultClient(new ContractCheck(() => Task.FromResult(new OpenApiContract(document.ToJsonString()))));

        var send = () => client.GetAsync(new Uri("/api/v1/linkages/risks", UriKind.Relative));

        (await send.Should().ThrowAsync<ContractViolationException>()).Which.Message.Should().Contain("401 is not documented");
        using var checkedClient = api.Anonymous();
        (await checkedClient.GetAsync(new Uri("/api/v1/linkages/risks", UriKind.Relative))).StatusCode
            .Should().Be(System.Net.HttpStatusCode.Unauthorized, "the served document states it, so the default clients let it through");
    }

    [Fact]
    public async Task A_field_the_document_does_not_name_is_a_violation()
    {
        var contract = await api.ContractAsync();

        contract.Check("POST", "/api/v1/exchanges", System.Net.HttpStatusCode.Created, "application/json", """{ "exchangeId": "X-1" }""")
            .Should().BeEmpty("the documented answer conforms");
        contract.Check("POST", "/api/v1/exchanges", System.Net.HttpStatusCode.Created, "application/json", """{ "exchangeId": "X-1", "subjectRef": "s" }""")
            .Should().ContainSingle().Which.Should().Contain("subjectRef");
        contract.Check("POST", "/api/v1/exchanges", System.Net.HttpStatusCode.Accepted, "application/json", """{ "exchangeId": "X-1" }""")
            .Should().ContainSingle().Which.Should().Contain("202 is not documented");
        contract.Check("POST", "/api/v1/exchanges", System.Net.HttpStatusCode.BadRequest, "application/problem+json", """{ "title": "t", "status": 400 }""")
            .Should().NotBeEmpty("a 400 names the refused fields in errors");
    }
}
