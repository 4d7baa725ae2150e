using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Mynaportal;

public sealed record PortalCorrection(string Kind, string Note, DateTimeOffset OccurredAt);

/// <summary>One record of a person's Mynaportal view, as API.md promises it.</summary>
public sealed record PortalRecord(
    string RecordId,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvidedAt,
    string InquirerName,
    string ProviderName,
    string ProcedureName,
    string InfoItemName,
    string? Result,
    IReadOnlyList<PortalCorrection> Corrections);

public sealed record PortalPage(IReadOnlyList<PortalRecord> Items, string? NextCursor);

/// <summary>An answer exactly as it went over the wire: what a person (or anyone watching) could compare.</summary>
public sealed record RawAnswer(HttpStatusCode Status, string? ContentType, string Body);

/// <summary>One <c>RecordsViewed</c> event as stored: whose view, by whom, which records (by exchange id).</summary>
public sealed record RecordsViewed(string SubjectRef, string ViewerKind, string? ProxyId, string[] RecordIds, DateTimeOffset ViewedAt);

/// <summary>The portal backend searching a person's records, as Mynaportal does for the person or a proxy.</summary>
public static class PortalScenarios
{
    public const string Route = "/api/v1/mynaportal/records/search";

    /// <summary>Marten's name for the <c>RecordsViewed</c> event type in <c>mt_events.type</c>.</summary>
    public const string RecordsViewedType = "records_viewed";

    public static JsonObject SearchRequest(string myNumber, int? pageSize = null, string? cursor = null) => new()
    {
        ["myNumber"] = myNumber,
        ["viewer"] = new JsonObject { ["kind"] = "self" },
        ["from"] = null,
        ["to"] = null,
        ["institutionCode"] = null,
        ["procedureCode"] = null,
        ["infoItemCode"] = null,
        ["pageSize"] = pageSize,
        ["cursor"] = cursor,
    };

    public static Action<JsonObject> ByProxy(string proxyId) => r => r["viewer"] = new JsonObject { ["kind"] = "proxy", ["proxyId"] = proxyId };

    public static Task<HttpResponseMessage> PostSearchAsync(this LedgerApi api, JsonObject request) =>
        api.As(Roles.Mynaportal).PostJsonAsync(Route, request);

    /// <summary>One page of the person's view; fails the test unless the portal answers 200.</summary>
    public static async Task<PortalPage> SearchPortalAsync(
        this LedgerApi api, string myNumber, int? pageSize = null, string? cursor = null, Action<JsonObject>? adjust = null)
    {
        var request = SearchRequest(myNumber, pageSize, cursor);
        adjust?.Invoke(request);
        var response = await api.PostSearchAsync(request);
        await response.ShouldBeAsync(HttpStatusCode.OK, "the portal answers every valid search");
        return await response.ReadJsonAsync<PortalPage>();
    }

    /// <summary>Every page of the person's view, following the cursors.</summary>
    public static async Task<List<PortalPage>> WalkPortalAsync(this LedgerApi api, string myNumber, int pageSize, Action<JsonObject>? adjust = null)
    {
        var pages = new List<PortalPage>();
        string? cursor = null;
        do
        {
            var page = await api.SearchPortalAsync(myNumber, pageSize, cursor, adjust);
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 1000);

        return pages;
    }

    /// <summary>Everything the person's view shows, newest first.</summary>
    public static async Task<List<PortalRecord>> PortalRecordsAsync(this LedgerApi api, string myNumber, Action<JsonObject>? adjust = null) =>
        (await api.WalkPortalAsync(myNumber, 100, adjust)).SelectMany(p => p.Items).ToList();

    /// <summary>The answer to a search, byte for byte.</summary>
    public static async Task<RawAnswer> RawSearchAsync(this LedgerApi api, JsonObject request)
    {
        var response = await api.PostSearchAsync(request);
        return new RawAnswer(response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every <c>RecordsViewed</c> event in the store, oldest first.</summary>
    public static async Task<List<RecordsViewed>> RecordsViewedAsync(this LedgerApi api)
    {
        await using var connection = await api.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select data::text from {LedgerStore.Schema}.mt_events where type = @type order by seq_id", connection);
        command.Parameters.AddWithValue("type", RecordsViewedType);
        var viewed = new List<RecordsViewed>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            viewed.Add(JsonSerializer.Deserialize<RecordsViewed>(reader.GetString(0), LedgerJson.Options)!);
        }

        return viewed;
    }

    /// <summary>The problem without its per-request trace id: what must not differ between two persons.</summary>
    public static string WithoutTraceId(string problemJson)
    {
        var node = JsonNode.Parse(problemJson)!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString();
    }
}
