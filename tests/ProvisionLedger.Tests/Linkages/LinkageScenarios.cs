using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Linkages;

/// <summary>The answer to a registered linkage, as a client reads it (API.md).</summary>
public sealed record LinkageAnswer(string LinkageId, string InstitutionCode, string LocalRecordId);

/// <summary>Linkage requests as an institution's system sends them, and the steps tests take with them.</summary>
public static class LinkageScenarios
{
    public const string Route = "/api/v1/linkages";

    /// <summary>A business time safely in the past.</summary>
    public static readonly DateTimeOffset OccurredAt = DateTimeOffset.Parse("2025-04-01T10:00:00+09:00", System.Globalization.CultureInfo.InvariantCulture);

    public static string NewLocalRecordId() => $"A-{Guid.NewGuid().ToString("n")[..10]}";

    /// <summary>
    /// A complete, valid request: a J-LIS query on the four basic items that found one person, checked and approved.
    /// A JSON object rather than a record, so that a test can break it in ways no C# type would allow.
    /// </summary>
    public static JsonObject LinkRequest(string institutionCode, string localRecordId, string myNumber) => new()
    {
        ["institutionCode"] = institutionCode,
        ["localRecordId"] = localRecordId,
        ["myNumber"] = myNumber,
        ["method"] = "jlis-4-items",
        ["evidence"] = new JsonObject
        {
            ["queryItems"] = new JsonArray("kanjiName", "dateOfBirth", "sex", "address"),
            ["candidateCount"] = 1,
            ["documents"] = new JsonArray(),
        },
        ["operatorId"] = "staff-17",
        ["checkerIds"] = new JsonArray("staff-22"),
        ["approverId"] = "chief-3",
        ["reason"] = "児童手当 認定請求",
        ["occurredAt"] = OccurredAt.ToString("O"),
    };

    /// <summary>Links an institution's local record to a person, as that institution; fails the test unless it is new.</summary>
    public static async Task<LinkageAnswer> LinkAsync(
        this LedgerApi api, string institutionCode, string localRecordId, string myNumber, Action<JsonObject>? adjust = null)
    {
        var request = LinkRequest(institutionCode, localRecordId, myNumber);
        adjust?.Invoke(request);
        var response = await api.PostLinkAsync(institutionCode, request);
        response.StatusCode.Should().Be(HttpStatusCode.Created, "linking {0} was expected to succeed: {1}",
            localRecordId, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<LinkageAnswer>();
    }

    /// <summary>Sends a linkage request as the given institution, whatever its content.</summary>
    public static Task<HttpResponseMessage> PostLinkAsync(this LedgerApi api, string institutionCode, JsonObject request) =>
        api.Institution(institutionCode).PostJsonAsync(Route, request);
}
