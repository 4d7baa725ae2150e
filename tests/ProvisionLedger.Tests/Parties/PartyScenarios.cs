using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>An appended correction as a party's copy holds it.</summary>
public sealed record PartyCorrection(string Kind, string Note, string By, DateTimeOffset OccurredAt);

/// <summary>
/// One 情報提供等の記録 as a party holds it (API.md, "Party copies"): the NWS copy has both parties' 機関別符号 and no local
/// record ids; an institution's copy has its own local record id and its own 機関別符号 only.
/// </summary>
public sealed record PartyCopy(
    string ExchangeId,
    string InquirerCode,
    string ProviderCode,
    string ProcedureCode,
    string InfoItemCode,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvidedAt,
    string? Result,
    string? SubjectCode,
    string? LocalRecordId,
    string? InquirerSubjectCode,
    string? ProviderSubjectCode,
    IReadOnlyList<PartyCorrection> Corrections,
    bool NonDisclosed);

public sealed record PartyPage(IReadOnlyList<PartyCopy> Items, string? NextCursor);

/// <summary>Reading the party copies as each party does.</summary>
public static class PartyScenarios
{
    public const string NwsRecords = "/api/v1/parties/nws/records";

    public static string InstitutionRecords(string institutionCode, string role) =>
        $"/api/v1/parties/{Uri.EscapeDataString(institutionCode)}/records?role={role}";

    /// <summary>Adds a query parameter, escaped (a time's "+09:00" would otherwise arrive as a space).</summary>
    public static string With(this string url, string name, string? value) =>
        value is null ? url : $"{url}{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{name}={Uri.EscapeDataString(value)}";

    public static string With(this string url, string name, DateTimeOffset value) => url.With(name, value.ToString("O"));

    public static async Task<PartyPage> PageAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, $"reading {url}");
        return await response.ReadJsonAsync<PartyPage>();
    }

    /// <summary>Every copy a listing holds, page by page, following its cursors.</summary>
    public static async Task<List<PartyCopy>> AllAsync(this HttpClient client, string url, int pageSize = 100)
    {
        var all = new List<PartyCopy>();
        string? cursor = null;
        do
        {
            var page = await client.PageAsync(url.With("pageSize", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)).With("cursor", cursor));
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return all;
    }

    /// <summary>The network system's copy of one exchange, found by walking its listing.</summary>
    public static async Task<PartyCopy> NwsCopyAsync(this LedgerApi api, string exchangeId) =>
        Single(await api.As(Roles.Nws).AllAsync(NwsRecords), exchangeId);

    /// <summary>The inquirer's copy of one exchange, as the inquirer reads it.</summary>
    public static async Task<PartyCopy> InquirerCopyAsync(this LedgerApi api, LinkedPerson person, string exchangeId) =>
        Single(await api.Institution(person.InquirerCode).AllAsync(InstitutionRecords(person.InquirerCode, "inquirer")), exchangeId);

    /// <summary>The provider's copy of one exchange, as the provider reads it.</summary>
    public static async Task<PartyCopy> ProviderCopyAsync(this LedgerApi api, LinkedPerson person, string exchangeId) =>
        Single(await api.Institution(person.ProviderCode).AllAsync(InstitutionRecords(person.ProviderCode, "provider")), exchangeId);

    private static PartyCopy Single(IEnumerable<PartyCopy> copies, string exchangeId) =>
        copies.Should().ContainSingle(c => c.ExchangeId == exchangeId, "each party holds one copy of each exchange").Subject;
}
