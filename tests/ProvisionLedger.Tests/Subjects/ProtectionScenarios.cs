using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Subjects;

public sealed record ProtectionAnswer(string ProtectionId);

/// <summary>DV / abuse protection of a person (SPEC §2, "Subject protection stream"), as an institution registers it.</summary>
public static class ProtectionScenarios
{
    public const string Route = "/api/v1/subjects/protections";

    public static string EndRoute(string protectionId) => $"{Route}/{Uri.EscapeDataString(protectionId)}/end";

    public static JsonObject ProtectionRequest(string myNumber, string registeredBy = "dv-desk-1", DateTimeOffset? occurredAt = null) => new()
    {
        ["myNumber"] = myNumber,
        ["reason"] = "dv",
        ["registeredBy"] = registeredBy,
        ["occurredAt"] = (occurredAt ?? DateTimeOffset.UtcNow.AddMinutes(-1)).ToString("O"),
    };

    /// <summary>Registers a protection for the person; fails the test unless it is recorded. Returns its id.</summary>
    public static async Task<string> ProtectAsync(this LedgerApi api, string myNumber, string institutionCode = Institutions.Chiyoda, string registeredBy = "dv-desk-1")
    {
        var response = await api.Institution(institutionCode).PostJsonAsync(Route, ProtectionRequest(myNumber, registeredBy));
        await response.ShouldBeAsync(HttpStatusCode.Created, "the protection was expected to be registered");
        return (await response.ReadJsonAsync<ProtectionAnswer>()).ProtectionId;
    }

    /// <summary>Ends a protection; fails the test unless the end is recorded.</summary>
    public static async Task EndProtectionAsync(this LedgerApi api, string protectionId, string institutionCode = Institutions.Chiyoda)
    {
        var response = await api.Institution(institutionCode).PostJsonAsync(EndRoute(protectionId), new JsonObject { ["endedBy"] = "dv-desk-1" });
        await response.ShouldBeAsync(HttpStatusCode.Created, "ending the protection was expected to be recorded");
    }

    public static Task<HttpResponseMessage> PostProtectionAsync(this HttpClient client, JsonObject request) => client.PostJsonAsync(Route, request);
}
