using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>The answer to a recorded inquiry or provision (API.md).</summary>
public sealed record ExchangeAnswer(string ExchangeId);

/// <summary>
/// A person as two institutions know them: linked at the inquirer under one local record and at the provider under
/// another. The My Number is what the tests send; the ledger must keep it nowhere.
/// </summary>
public sealed record LinkedPerson(string MyNumber, string InquirerCode, string InquirerRecordId, string ProviderCode, string ProviderRecordId);

/// <summary>Inquiries (情報照会), provisions (情報提供), corrections (追記) and non-disclosure marks as the parties send them.</summary>
public static class ExchangeScenarios
{
    public const string Route = "/api/v1/exchanges";

    /// <summary>児童手当法による児童手当又は特例給付の支給に関する事務 (別表第二 74の項).</summary>
    public const string ChildAllowance = "74";

    /// <summary>地方税関係情報（課税情報）.</summary>
    public const string TaxInfo = "2";

    /// <summary>住民基本台帳関係情報.</summary>
    public const string ResidentInfo = "1";

    /// <summary>A business time safely in the past and after the linkages were made.</summary>
    public static readonly DateTimeOffset RequestedAt = At("2025-06-01T09:00:00+09:00");

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    public static string NewExchangeId() => $"NWS-T-{Guid.NewGuid().ToString("n")[..16]}";

    public static string Digest(string payload) => $"sha256:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)))}";

    public static string ProvisionRoute(string exchangeId) => $"{Route}/{Uri.EscapeDataString(exchangeId)}/provision";

    public static string CorrectionsRoute(string exchangeId) => $"{Route}/{Uri.EscapeDataString(exchangeId)}/corrections";

    public static string NonDisclosureRoute(string exchangeId) => $"{Route}/{Uri.EscapeDataString(exchangeId)}/non-disclosure";

    public static string LiftRoute(string exchangeId) => $"{NonDisclosureRoute(exchangeId)}/lift";

    public static string HistoryRoute(string exchangeId) => $"{Route}/{Uri.EscapeDataString(exchangeId)}/history";

    /// <summary>Links a new person at the inquirer and at the provider, each institution under a local record of its own.</summary>
    public static async Task<LinkedPerson> LinkPersonAsync(
        this LedgerApi api, string inquirerCode = Institutions.Chiyoda, string providerCode = Institutions.Sapporo, string? myNumber = null,
        DateTimeOffset? linkedAt = null)
    {
        var person = new LinkedPerson(myNumber ?? MyNumbers.Next(), inquirerCode, LinkageScenarios.NewLocalRecordId(), providerCode,
            $"S-{Guid.NewGuid().ToString("n")[..10]}");
        Action<JsonObject>? when = linkedAt is { } at ? r => r["occurredAt"] = at.ToString("O") : null;
        await api.LinkAsync(inquirerCode, person.InquirerRecordId, person.MyNumber, when);
        await api.LinkAsync(providerCode, person.ProviderRecordId, person.MyNumber, when);
        return person;
    }

    /// <summary>The same person linked at one more provider, under a local record of that provider's own.</summary>
    public static async Task<LinkedPerson> AlsoLinkedAtAsync(this LedgerApi api, LinkedPerson person, string providerCode)
    {
        var atProvider = person with { ProviderCode = providerCode, ProviderRecordId = $"S-{Guid.NewGuid().ToString("n")[..10]}" };
        await api.LinkAsync(providerCode, atProvider.ProviderRecordId, person.MyNumber);
        return atProvider;
    }

    /// <summary>A complete, valid inquiry about the person, from its inquirer to its provider, for 児童手当 asking 課税情報.</summary>
    public static JsonObject InquiryRequest(LinkedPerson person, string? exchangeId = null, DateTimeOffset? requestedAt = null) => new()
    {
        ["exchangeId"] = exchangeId ?? NewExchangeId(),
        ["inquirerCode"] = person.InquirerCode,
        ["providerCode"] = person.ProviderCode,
        ["procedureCode"] = ChildAllowance,
        ["infoItemCode"] = TaxInfo,
        ["inquirerLocalRecordId"] = person.InquirerRecordId,
        ["period"] = new JsonObject { ["from"] = "2024-01-01", ["to"] = "2024-12-31" },
        ["requestedAt"] = (requestedAt ?? RequestedAt).ToString("O"),
    };

    /// <summary>A complete, valid provision by the person's provider, a minute after the inquiry.</summary>
    public static JsonObject ProvisionRequest(LinkedPerson person, DateTimeOffset? providedAt = null) => new()
    {
        ["providerLocalRecordId"] = person.ProviderRecordId,
        ["providedAt"] = (providedAt ?? RequestedAt.AddMinutes(1)).ToString("O"),
        ["result"] = "provided",
        ["errorCode"] = null,
        ["payloadDigest"] = Digest($"課税証明 {person.ProviderRecordId}"),
    };

    public static JsonObject CorrectionRequest(string note, DateTimeOffset? occurredAt = null, string kind = "wrong-subject", string by = "staff-9") => new()
    {
        ["kind"] = kind,
        ["note"] = note,
        ["by"] = by,
        ["occurredAt"] = (occurredAt ?? RequestedAt.AddDays(1)).ToString("O"),
    };

    public static Task<HttpResponseMessage> PostInquiryAsync(this HttpClient client, JsonObject request) =>
        client.PostJsonAsync(Route, request);

    public static Task<HttpResponseMessage> PostProvisionAsync(this HttpClient client, string exchangeId, JsonObject request) =>
        client.PostJsonAsync(ProvisionRoute(exchangeId), request);

    public static Task<HttpResponseMessage> PostCorrectionAsync(this HttpClient client, string exchangeId, JsonObject request) =>
        client.PostJsonAsync(CorrectionsRoute(exchangeId), request);

    /// <summary>The person's inquirer asks about them; fails the test unless the inquiry is recorded. Returns the exchange id.</summary>
    public static async Task<string> MakeInquiryAsync(
        this LedgerApi api, LinkedPerson person, DateTimeOffset? requestedAt = null, Action<JsonObject>? adjust = null)
    {
        var request = InquiryRequest(person, requestedAt: requestedAt);
        adjust?.Invoke(request);
        var response = await api.Institution(person.InquirerCode).PostInquiryAsync(request);
        await response.ShouldBeAsync(HttpStatusCode.Created, "the inquiry was expected to be recorded");
        return (await response.ReadJsonAsync<ExchangeAnswer>()).ExchangeId;
    }

    /// <summary>The person's provider answers the inquiry; fails the test unless the provision is recorded.</summary>
    public static async Task ProvideAsync(
        this LedgerApi api, LinkedPerson person, string exchangeId, DateTimeOffset? providedAt = null, Action<JsonObject>? adjust = null)
    {
        var request = ProvisionRequest(person, providedAt);
        adjust?.Invoke(request);
        var response = await api.Institution(person.ProviderCode).PostProvisionAsync(exchangeId, request);
        await response.ShouldBeAsync(HttpStatusCode.Created, "the provision was expected to be recorded");
    }

    /// <summary>An inquiry about the person and its provision a minute later. Returns the exchange id.</summary>
    public static async Task<string> RecordExchangeAsync(
        this LedgerApi api, LinkedPerson person, DateTimeOffset requestedAt, Action<JsonObject>? inquiry = null, Action<JsonObject>? provision = null)
    {
        var exchangeId = await api.MakeInquiryAsync(person, requestedAt, inquiry);
        await api.ProvideAsync(person, exchangeId, requestedAt.AddMinutes(1), provision);
        return exchangeId;
    }

    /// <summary>A party appends a correction (追記); fails the test unless it is recorded.</summary>
    public static async Task AppendCorrectionAsync(this HttpClient party, string exchangeId, JsonObject correction)
    {
        var response = await party.PostCorrectionAsync(exchangeId, correction);
        await response.ShouldBeAsync(HttpStatusCode.Created, "the correction was expected to be appended");
    }

    /// <summary>A party sets its 不開示コード on a recorded exchange.</summary>
    public static async Task MarkNonDisclosedAsync(this HttpClient party, string exchangeId, string reason = "dv")
    {
        var response = await party.PostJsonAsync(NonDisclosureRoute(exchangeId), new JsonObject { ["reason"] = reason, ["by"] = "staff-5" });
        await response.ShouldBeAsync(HttpStatusCode.Created, "the non-disclosure mark was expected to be recorded");
    }

    /// <summary>A party lifts its own 不開示コード.</summary>
    public static async Task LiftNonDisclosureAsync(this HttpClient party, string exchangeId)
    {
        var response = await party.PostJsonAsync(LiftRoute(exchangeId), new JsonObject { ["by"] = "staff-5", ["note"] = "保護終了" });
        await response.ShouldBeAsync(HttpStatusCode.Created, "lifting the non-disclosure mark was expected to be recorded");
    }

    /// <summary>The non-disclosure mark an inquirer gives with its inquiry (照会側不開示コード), or a provider with its provision.</summary>
    public static void NonDisclosed(JsonObject request) => request["nonDisclosure"] = new JsonObject { ["reason"] = "dv" };

    /// <summary>A client for a role, with the token subject given: the principal the ledger must stamp on what it records.</summary>
    public static HttpClient AsPrincipal(this LedgerApi api, string role, string? institutionCode, string subject) =>
        api.WithToken(Auth.MintToken(api.SigningKey, role, institutionCode, subject));
}
