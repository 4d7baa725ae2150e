using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ProvisionLedger.Tests.Harness;

/// <summary>problem+json as the contract describes it: a title and, for validation, the bad fields.</summary>
public sealed record Problem(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);

/// <summary>JSON the way the API speaks it: camelCase, ISO-8601 times.</summary>
public static class LedgerJson
{
    public const string ProblemMediaType = "application/problem+json";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, Options);

    /// <summary>Sends text as it is, for bodies a serializer would never produce.</summary>
    public static Task<HttpResponseMessage> PostRawJsonAsync(this HttpClient client, string url, string body) =>
        client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

    public static async Task<T> ReadJsonAsync<T>(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<T>(Options)
        ?? throw new InvalidOperationException($"The {(int)response.StatusCode} response had no JSON body.");

    /// <summary>Reads a problem answer, checking that it is served as problem+json.</summary>
    public static async Task<Problem> ReadProblemAsync(this HttpResponseMessage response)
    {
        (response.Content.Headers.ContentType?.MediaType).Should().Be(ProblemMediaType, "errors are problem+json (API.md)");
        return await response.ReadJsonAsync<Problem>();
    }
}
