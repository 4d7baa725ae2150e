using System.Net;
using Marten;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Parties;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// Given: seven exchanges between 渋谷区 and 横浜市, three of them at the same instant, and three between 新宿区 and
/// 全国健康保険協会 on three days in a row. Nobody else writes to this class's database.
/// </summary>
public sealed class ApiWithPartyRecords : LedgerApi
{
    public static readonly DateTimeOffset Day = ExchangeScenarios.At("2025-03-02T10:00:00+09:00");

    public List<string> Paged { get; } = [];

    public List<string> Dated { get; } = [];

    protected override async Task GivenAsync()
    {
        var paged = await this.LinkPersonAsync(Institutions.Shibuya, Institutions.Yokohama, linkedAt: Day.AddDays(-30));
        var offsets = new[] { 0, 5, 5, 5, 10, 20, 30 };
        foreach (var minutes in offsets)
        {
            Paged.Add(await this.RecordExchangeAsync(paged, Day.AddMinutes(minutes)));
        }

        var dated = await this.LinkPersonAsync(Institutions.Shinjuku, Institutions.HealthInsurer, linkedAt: Day.AddDays(-30));
        foreach (var days in new[] { -1, 0, 1 })
        {
            Dated.Add(await this.RecordExchangeAsync(dated, Day.AddDays(days)));
        }
    }
}

/// <summary>Party listings page by opaque cursor through every record exactly once, and filter by period.</summary>
public sealed class PartyPagingTests(ApiWithPartyRecords api) : IClassFixture<ApiWithPartyRecords>
{
    private static string Url(string code, string role, int pageSize) =>
        PartyScenarios.InstitutionRecords(code, role).With("pageSize", pageSize.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(50)]
    public async Task Paging_by_cursor_walks_every_record_exactly_once_in_order_with_full_pages(int pageSize)
    {
        var client = api.Institution(Institutions.Shibuya);
        var pages = new List<PartyPage>();
        string? cursor = null;
        do
        {
            var page = await client.PageAsync(Url(Institutions.Shibuya, "inquirer", pageSize).With("cursor", cursor));
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count <= api.Paged.Count);

        var walked = pages.SelectMany(p => p.Items).ToList();
        walked.Select(c => c.ExchangeId).Should().BeEquivalentTo(api.Paged).And.OnlyHaveUniqueItems();
        walked.Select(c => c.RequestedAt).Should().BeInAscendingOrder();
        var sizes = api.Paged.Chunk(pageSize).Select(c => c.Length);
        pages.Select(p => p.Items.Count).Should().Equal(sizes, "every page but the last is full, and a cursor is given only when another record follows");
    }

    [Fact]
    public async Task The_providers_listing_and_the_network_systems_listing_walk_every_record_once_too()
    {
        var provider = await api.Institution(Institutions.Yokohama).AllAsync(PartyScenarios.InstitutionRecords(Institutions.Yokohama, "provider"), pageSize: 2);
        var nws = await api.As(Roles.Nws).AllAsync(PartyScenarios.NwsRecords, pageSize: 3);

        provider.Select(c => c.ExchangeId).Should().BeEquivalentTo(api.Paged).And.OnlyHaveUniqueItems();
        nws.Select(c => c.ExchangeId).Should().BeEquivalentTo(api.Paged.Concat(api.Dated)).And.OnlyHaveUniqueItems();
        await using var session = api.Store.QuerySession();
        (await session.Query<NwsRecord>().CountAsync()).Should().Be(nws.Count, "the listing holds every record the network system has");
    }

    [Fact]
    public async Task From_and_to_select_the_records_requested_in_the_period_inclusive()
    {
        var client = api.Institution(Institutions.Shinjuku);
        var url = PartyScenarios.InstitutionRecords(Institutions.Shinjuku, "inquirer");

        var onTheDay = await client.AllAsync(url.With("from", ApiWithPartyRecords.Day).With("to", ApiWithPartyRecords.Day));
        var fromTheDay = await client.AllAsync(url.With("from", ApiWithPartyRecords.Day));
        var untilTheDay = await client.AllAsync(url.With("to", ApiWithPartyRecords.Day));
        var inUtc = await client.AllAsync(url.With("from", ApiWithPartyRecords.Day.AddHours(-1).ToUniversalTime()).With("to", ApiWithPartyRecords.Day.AddHours(1).ToUniversalTime()));

        onTheDay.Select(c => c.ExchangeId).Should().Equal(api.Dated[1]);
        fromTheDay.Select(c => c.ExchangeId).Should().Equal(api.Dated[1], api.Dated[2]);
        untilTheDay.Select(c => c.ExchangeId).Should().Equal(api.Dated[0], api.Dated[1]);
        inUtc.Select(c => c.ExchangeId).Should().Equal(api.Dated[1]);
    }

    [Fact]
    public async Task A_filtered_listing_pages_within_its_filter()
    {
        var client = api.Institution(Institutions.Shinjuku);
        var url = PartyScenarios.InstitutionRecords(Institutions.Shinjuku, "inquirer").With("from", ApiWithPartyRecords.Day.AddDays(-1));

        var all = await client.AllAsync(url, pageSize: 1);

        all.Select(c => c.ExchangeId).Should().Equal(api.Dated);
    }

    [Theory]
    [InlineData("not-a-cursor")]
    [InlineData("eyJ4IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA")]
    public async Task A_made_up_cursor_gets_400_naming_cursor(string cursor)
    {
        var response = await api.Institution(Institutions.Shibuya).GetAsync(new Uri(Url(Institutions.Shibuya, "inquirer", 2).With("cursor", cursor), UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).ShouldName("cursor");
    }

    [Fact]
    public async Task A_cursor_of_one_listing_is_refused_by_another()
    {
        var cursor = (await api.Institution(Institutions.Shibuya).PageAsync(Url(Institutions.Shibuya, "inquirer", 2))).NextCursor;
        cursor.Should().NotBeNull();

        var asProvider = await api.Institution(Institutions.Yokohama).GetAsync(new Uri(Url(Institutions.Yokohama, "provider", 2).With("cursor", cursor), UriKind.Relative));
        var otherFilter = await api.Institution(Institutions.Shibuya).GetAsync(
            new Uri(Url(Institutions.Shibuya, "inquirer", 2).With("from", ApiWithPartyRecords.Day).With("cursor", cursor), UriKind.Relative));

        (await asProvider.ReadProblemAsync()).ShouldName("cursor");
        (await otherFilter.ReadProblemAsync()).ShouldName("cursor");
    }

    [Theory]
    [InlineData("pageSize", "0")]
    [InlineData("pageSize", "x")]
    [InlineData("from", "yesterday")]
    public async Task A_bad_query_parameter_gets_400_naming_it(string name, string value)
    {
        var response = await api.Institution(Institutions.Shibuya).GetAsync(
            new Uri(PartyScenarios.InstitutionRecords(Institutions.Shibuya, "inquirer").With(name, value), UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).ShouldName(name);
    }
}
