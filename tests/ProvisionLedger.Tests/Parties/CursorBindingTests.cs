using System.Net;
using System.Text.Json;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// Every listing pages through the one shared keyset piece (<c>Infrastructure/Paging.cs</c>), and a cursor stays bound to
/// the listing and filters it came from: each listing continues its own cursor and refuses every other listing's with
/// a 400 naming <c>cursor</c>, in the words it always used.
/// </summary>
public sealed class CursorBindingTests(ApiWithPartyRecords api) : IClassFixture<ApiWithPartyRecords>
{
    private const string OfThisListing = "is not a cursor of this listing.";

    private sealed record Listing(string Name, Func<HttpClient> Client, string Url, string Refusal);

    private IReadOnlyList<Listing> Listings() =>
    [
        new("network system's copies", () => api.As(Roles.Nws), PartyScenarios.NwsRecords.With("pageSize", "1"), OfThisListing),
        new("渋谷区 as inquirer", () => api.Institution(Institutions.Shibuya),
            PartyScenarios.InstitutionRecords(Institutions.Shibuya, "inquirer").With("pageSize", "1"), OfThisListing),
        new("渋谷区 as inquirer, from a day", () => api.Institution(Institutions.Shibuya),
            PartyScenarios.InstitutionRecords(Institutions.Shibuya, "inquirer").With("from", ApiWithPartyRecords.Day).With("pageSize", "1"), OfThisListing),
        new("横浜市 as provider", () => api.Institution(Institutions.Yokohama),
            PartyScenarios.InstitutionRecords(Institutions.Yokohama, "provider").With("pageSize", "1"), OfThisListing),
        new("read-access log", () => api.As(Roles.Auditor), "/api/v1/audit/access?pageSize=1", OfThisListing),
        new("reconciliation", () => api.As(Roles.Auditor), "/api/v1/parties/reconciliation?streams=1", "is not a cursor of the reconciliation."),
        new("incidents", () => api.As(Roles.IncidentResponder), "/api/v1/incidents?pageSize=1", OfThisListing),
        new("linkages at risk", () => api.As(Roles.Auditor), "/api/v1/linkages/risks?pageSize=1", OfThisListing),
    ];

    [Fact]
    public async Task Each_listing_continues_its_own_cursor_and_refuses_every_other_listings()
    {
        var listings = Listings();
        var cursors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var listing in listings)
        {
            if (await NextCursorAsync(listing.Client(), listing.Url) is { } cursor)
            {
                cursors[listing.Name] = cursor;
            }
        }

        cursors.Keys.Should().HaveCountGreaterThanOrEqualTo(6, "the listings with more than one page of records hand out a cursor");

        foreach (var (source, cursor) in cursors)
        {
            foreach (var target in listings)
            {
                var response = await target.Client().GetAsync(new Uri(target.Url.With("cursor", cursor), UriKind.Relative));
                if (target.Name == source)
                {
                    await response.ShouldBeAsync(HttpStatusCode.OK, $"{source} continues its own cursor");
                    continue;
                }

                response.StatusCode.Should().Be(HttpStatusCode.BadRequest, $"{target.Name} refuses a cursor of {source}");
                var problem = await response.ReadProblemAsync();
                problem.Errors.Should().BeEquivalentTo(new Dictionary<string, string[]> { ["cursor"] = [target.Refusal] });
            }
        }
    }

    private static async Task<string?> NextCursorAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(new Uri(url, UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, $"reading {url}");
        using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return page.RootElement.GetProperty("nextCursor").GetString();
    }
}
