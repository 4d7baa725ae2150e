using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace ProvisionLedger.Tests.Harness;

/// <summary>
/// The OpenAPI document as a checker of answers: for a method, a path and a status, the media type and JSON Schema the
/// document promises. Objects are checked closed (a field the document does not name is a violation), so an undocumented
/// status, media type or field fails the test that received it.
/// </summary>
public sealed class OpenApiContract
{
    private readonly JsonObject _document;
    private readonly JsonObject _definitions;
    private readonly List<(Regex Path, string Template, JsonObject Item)> _paths;
    private readonly ConcurrentDictionary<string, JsonSchema> _schemas = new(StringComparer.Ordinal);

    public OpenApiContract(string documentText)
    {
        _document = JsonNode.Parse(documentText)!.AsObject();
        _definitions = (_document["components"]?["schemas"]?.DeepClone() as JsonObject) ?? [];
        Rewrite(_definitions);
        _paths = (_document["paths"]?.AsObject() ?? [])
            .Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"), p.Key, p.Value!.AsObject()))
            .OrderBy(p => p.Key.Count(c => c == '{'))
            .ToList();
    }

    /// <summary>Every violation of the document by this answer; none when it conforms.</summary>
    public IReadOnlyList<string> Check(string method, string path, HttpStatusCode status, string? mediaType, string body)
    {
        var answer = $"{method} {path} → {(int)status}";
        var match = _paths.FirstOrDefault(p => p.Path.IsMatch(path) && p.Item[method.ToLowerInvariant()] is JsonObject);
        if (match.Item is null)
        {
            // An unknown route or method is the framework's 404/405, which no document lists route by route.
            return status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed
                ? []
                : [$"{answer}: the document has no operation {method} for this path."];
        }

        var operation = match.Item[method.ToLowerInvariant()]!.AsObject();
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation["responses"]?[code] is not JsonObject response)
        {
            return [$"{answer}: status {code} is not documented for {method} {match.Template} (documented: {string.Join(", ", operation["responses"]!.AsObject().Select(r => r.Key))})."];
        }

        if (response["content"] is not JsonObject content || content.Count == 0)
        {
            return body.Length == 0 ? [] : [$"{answer}: the document promises no body, the answer has {body.Length} characters."];
        }

        if (mediaType is null || content[mediaType] is not JsonObject media)
        {
            return [$"{answer}: media type {mediaType ?? "(none)"} is not documented (documented: {string.Join(", ", content.Select(c => c.Key))})."];
        }

        if (!mediaType.Contains("json", StringComparison.Ordinal) || media["schema"] is not JsonNode schemaNode)
        {
            return [];
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return [$"{answer}: the body is not JSON ({e.Message})."];
        }

        using (json)
        {
            var schema = _schemas.GetOrAdd($"{method} {match.Template} {code} {mediaType}", _ => Compile(schemaNode));
            return Errors(schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List }), answer);
        }
    }

    /// <summary>The path template of the document that a concrete path and method belong to, or null.</summary>
    public string? TemplateOf(string method, string path) =>
        _paths.FirstOrDefault(p => p.Path.IsMatch(path) && p.Item[method.ToLowerInvariant()] is JsonObject).Template;

    /// <summary>The feature an operation belongs to (its one tag), or null.</summary>
    public string? TagOf(string method, string template) =>
        (string?)_document["paths"]?[template]?[method.ToLowerInvariant()]?["tags"]?[0];

    /// <summary>The document's features (its tags).</summary>
    public IReadOnlyList<string> Tags => (_document["tags"]?.AsArray() ?? []).Select(t => (string)t!["name"]!).ToList();

    /// <summary>
    /// Every violation of an operation's documented query parameters by a query string (<c>a=1&amp;b=x</c>): a name the
    /// operation does not declare, or a value its schema refuses (an integer parameter's value is read as a number).
    /// </summary>
    public IReadOnlyList<string> CheckQuery(string method, string template, string query)
    {
        var declared = (_document["paths"]?[template]?[method.ToLowerInvariant()]?["parameters"]?.AsArray() ?? [])
            .Where(p => (string?)p!["in"] == "query")
            .ToDictionary(p => (string)p!["name"]!, p => p!["schema"]!, StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var name = Uri.UnescapeDataString(parts[0]);
            var text = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
            if (!declared.TryGetValue(name, out var schemaNode))
            {
                errors.Add($"{method} {template}: query parameter '{name}' is not documented.");
                continue;
            }

            JsonNode value = (string?)schemaNode["type"] is "integer" && long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var number)
                ? JsonValue.Create(number)
                : JsonValue.Create(text);
            using var json = JsonDocument.Parse(value.ToJsonString());
            var result = _schemas.GetOrAdd($"query {method} {template} {name}", _ => Compile(schemaNode))
                .Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            errors.AddRange(Errors(result, $"{method} {template} query parameter '{name}'"));
        }

        return errors;
    }

    /// <summary>Every violation of the documented JSON request body of an operation by this body.</summary>
    public IReadOnlyList<string> CheckRequest(string method, string template, string body)
    {
        var schemaNode = _document["paths"]?[template]?[method.ToLowerInvariant()]?["requestBody"]?["content"]?["application/json"]?["schema"];
        if (schemaNode is null)
        {
            return [$"{method} {template} documents no JSON request body."];
        }

        using var json = JsonDocument.Parse(body);
        var result = _schemas.GetOrAdd($"request {method} {template}", _ => Compile(schemaNode))
            .Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return Errors(result, $"{method} {template} request");
    }

    private static List<string> Errors(EvaluationResults result, string what) =>
        result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{what}: at {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"))
                .DefaultIfEmpty($"{what}: the body does not match the documented schema.")
                .ToList();

    private JsonSchema Compile(JsonNode schemaNode)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _definitions.DeepClone(),
            ["allOf"] = new JsonArray(Rewritten(schemaNode)),
        };
        return JsonSchema.FromText(root.ToJsonString(), baseUri: new Uri($"https://contract.test/{Guid.NewGuid():N}"));
    }

    private static JsonNode Rewritten(JsonNode node)
    {
        var copy = node.DeepClone();
        Rewrite(copy);
        return copy;
    }

    /// <summary>Points references at <c>$defs</c>, and closes every object schema that names its properties.</summary>
    private static void Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                if (obj["$ref"] is JsonValue reference && reference.GetValue<string>().StartsWith("#/components/schemas/", StringComparison.Ordinal))
                {
                    obj["$ref"] = "#/$defs/" + reference.GetValue<string>()["#/components/schemas/".Length..];
                }

                if (obj["properties"] is JsonObject && !obj.ContainsKey("additionalProperties"))
                {
                    obj["additionalProperties"] = false;
                }

                foreach (var (_, child) in obj.ToList())
                {
                    Rewrite(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Rewrite(child);
                }

                break;
        }
    }
}

/// <summary>
/// Sends every request of a test client on, and checks the answer against the served OpenAPI document: a violation
/// fails the request (and so the test) with what the document promised and what came back.
/// </summary>
public sealed class ContractCheck(Func<Task<OpenApiContract>> contract) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (!path.StartsWith("/api/", StringComparison.Ordinal) && !path.StartsWith("/health", StringComparison.Ordinal))
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var violations = (await contract()).Check(request.Method.Method, path, response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        if (violations.Count > 0)
        {
            throw new ContractViolationException(
                $"The answer does not conform to the OpenAPI document (docs/openapi/v1.json):\n{string.Join("\n", violations)}\nBody: {Truncate(body)}");
        }

        return response;
    }

    private static string Truncate(string body) => body.Length <= 2000 ? body : body[..2000] + "…";
}

public sealed class ContractViolationException(string message) : Exception(message);
