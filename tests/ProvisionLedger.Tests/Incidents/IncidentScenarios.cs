using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Subjects;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>The steps of a mis-linkage story, as the institutions, the network system and the portal send them.</summary>
public static class IncidentScenarios
{
    public static DateTimeOffset Jst(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    public static string Digest(char c) => "sha256:" + new string(c, 64);

    /// <summary>A linkage made the way the 2023 mis-linkages were: kana name, date of birth and sex, two hits, nobody else looked.</summary>
    public static void ThreeItemQueryWithTwoCandidatesAndNoChecker(JsonObject request)
    {
        request["method"] = "jlis-3-items";
        request["evidence"] = new JsonObject
        {
            ["queryItems"] = new JsonArray("kanaName", "dateOfBirth", "sex"),
            ["candidateCount"] = 2,
            ["documents"] = new JsonArray(),
        };
        request["checkerIds"] = new JsonArray();
        request["approverId"] = null;
    }

    public static Action<JsonObject> At(DateTimeOffset occurredAt, Action<JsonObject>? more = null) => request =>
    {
        request["occurredAt"] = occurredAt.ToString("O", CultureInfo.InvariantCulture);
        more?.Invoke(request);
    };

    public static async Task InquireAsync(
        this LedgerApi api, string exchangeId, string inquirer, string provider, string procedure, string item, string inquirerLocalRecordId,
        DateTimeOffset requestedAt)
    {
        var response = await api.Institution(inquirer).PostJsonAsync("/api/v1/exchanges", new
        {
            exchangeId, inquirerCode = inquirer, providerCode = provider, procedureCode = procedure, infoItemCode = item,
            inquirerLocalRecordId, requestedAt,
        });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public static async Task ProvideAsync(
        this LedgerApi api, string exchangeId, string provider, string providerLocalRecordId, DateTimeOffset providedAt, string result = "provided")
    {
        var response = await api.Institution(provider).PostJsonAsync($"/api/v1/exchanges/{exchangeId}/provision", new
        {
            providerLocalRecordId, providedAt, result, errorCode = (string?)null,
            payloadDigest = result == "provided" ? Digest('a') : null,
        });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public static async Task<PortalPageAnswer> ViewPortalAsync(this LedgerApi api, string myNumber)
    {
        var response = await api.As(Roles.Mynaportal).PostJsonAsync("/api/v1/mynaportal/records/search", new
        {
            myNumber, viewer = new { kind = "self" }, pageSize = 100,
        });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync<PortalPageAnswer>();
    }

    public static JsonObject Confirmation(DateTimeOffset discoveredAt, string? correctMyNumber, string cause = "住所を含まない3情報での照会で複数該当し、別人を選択した") => new()
    {
        ["discoveredAt"] = discoveredAt.ToString("O", CultureInfo.InvariantCulture),
        ["discoveredBy"] = "staff-3",
        ["cause"] = cause,
        ["correctMyNumber"] = correctMyNumber,
    };

    public static Task<HttpResponseMessage> ConfirmMisLinkageAsync(this HttpClient client, string linkageId, JsonObject body) =>
        client.PostJsonAsync($"/api/v1/linkages/{linkageId}/mislinkage", body);

    /// <summary>The ledger's internal reference of a person, to prove it never leaves the ledger.</summary>
    public static string SubjectRefOf(this LedgerApi api, string myNumber) =>
        new SubjectKeys(new LedgerOptions { SigningKey = api.SigningKey, SubjectHmacKey = api.SubjectHmacKey }).SubjectRef(myNumber);
}

public sealed record PortalCorrectionAnswer(string Kind, string Note, DateTimeOffset OccurredAt);

public sealed record PortalItemAnswer(
    string RecordId, DateTimeOffset RequestedAt, DateTimeOffset? ProvidedAt, string InquirerName, string ProviderName, string ProcedureName,
    string InfoItemName, string? Result, IReadOnlyList<PortalCorrectionAnswer> Corrections);

public sealed record PortalPageAnswer(IReadOnlyList<PortalItemAnswer> Items, string? NextCursor);

public sealed record IncidentAnswer(string IncidentId);
