using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>
/// Given: a person with eight records, three of them non-disclosed (the newest, one in the middle, the oldest; marked by
/// the inquirer, the network system and the provider), and a twin with the same five visible records and nothing hidden.
/// </summary>
public sealed class ApiWithHiddenRecords : LedgerApi
{
    /// <summary>Newest first: which of the person's records are hidden, and how.</summary>
    private static readonly string?[] Layout = ["inquiry", null, null, "nws", null, null, null, "provision"];

    public LinkedPerson Person { get; private set; } = null!;

    public LinkedPerson Twin { get; private set; } = null!;

    public List<string> Hidden { get; } = [];

    /// <summary>The transaction numbers of all the person's records: the view shows none of them.</summary>
    public List<string> Exchanges { get; } = [];

    public int VisibleCount => Layout.Count(m => m is null);

    protected override async Task GivenAsync()
    {
        Person = await this.LinkPersonAsync();
        Twin = await this.LinkPersonAsync();
        for (var i = 0; i < Layout.Length; i++)
        {
            var requestedAt = ExchangeScenarios.RequestedAt.AddDays(Layout.Length - i);
            var mark = Layout[i];
            var exchangeId = await this.RecordExchangeAsync(Person, requestedAt,
                inquiry: mark == "inquiry" ? ExchangeScenarios.NonDisclosed : null,
                provision: mark == "provision" ? ExchangeScenarios.NonDisclosed : null);
            Exchanges.Add(exchangeId);
            if (mark == "nws")
            {
                await this.As(Roles.Nws).MarkNonDisclosedAsync(exchangeId);
            }

            if (mark is null)
            {
                await this.RecordExchangeAsync(Twin, requestedAt);
            }
            else
            {
                Hidden.Add(exchangeId);
            }
        }
    }
}

/// <summary>
/// Hidden records leave no trace in paging (SPEC §3: "not inferable from cursors, page sizes, ordering gaps"): the
/// person's pages are the pages of somebody who never had them.
/// </summary>
public sealed class PortalPagingPrivacyTests(ApiWithHiddenRecords api) : IClassFixture<ApiWithHiddenRecords>
{
    public static TheoryData<int> PageSizes() => [1, 2, 3, 4, 5, 6, 20];

    [Theory]
    [MemberData(nameof(PageSizes))]
    public async Task Pages_have_the_sizes_and_cursors_of_a_person_without_hidden_records(int pageSize)
    {
        var pages = await api.WalkPortalAsync(api.Person.MyNumber, pageSize);
        var twins = await api.WalkPortalAsync(api.Twin.MyNumber, pageSize);

        pages.Select(p => p.Items.Count).Should().Equal(twins.Select(p => p.Items.Count));
        pages.Select(p => p.NextCursor is null).Should().Equal(twins.Select(p => p.NextCursor is null));
        pages.Select(p => p.Items.Count).Should().Equal(Enumerable.Range(0, api.VisibleCount).Chunk(pageSize).Select(c => c.Length),
            "every page is full but the last, and no page follows the last visible record");
        pages.SelectMany(p => p.Items).Should().BeEquivalentTo(twins.SelectMany(p => p.Items),
            o => o.Excluding(r => r.RecordId).WithStrictOrdering());
    }

    [Fact]
    public async Task When_only_hidden_records_remain_there_is_no_next_cursor()
    {
        var page = await api.SearchPortalAsync(api.Person.MyNumber, pageSize: api.VisibleCount);

        page.Items.Should().HaveCount(api.VisibleCount);
        page.NextCursor.Should().BeNull("the older records left are all hidden");
    }

    [Fact]
    public async Task Cursors_are_as_long_as_the_twins()
    {
        var cursors = (await api.WalkPortalAsync(api.Person.MyNumber, 1)).Select(p => p.NextCursor?.Length);
        var twins = (await api.WalkPortalAsync(api.Twin.MyNumber, 1)).Select(p => p.NextCursor?.Length);

        cursors.Should().Equal(twins);
    }

    [Fact]
    public async Task No_view_ever_recorded_a_hidden_record_as_shown()
    {
        await api.WalkPortalAsync(api.Person.MyNumber, 1);
        await api.WalkPortalAsync(api.Person.MyNumber, 3, PortalScenarios.ByProxy("legal-guardian-7"));

        var shown = (await api.RecordsViewedAsync()).SelectMany(v => v.RecordIds).ToList();

        shown.Should().NotBeEmpty().And.NotIntersectWith(api.Hidden);
    }

    [Fact]
    public async Task A_cursor_carries_no_transaction_number_the_view_keeps_from_the_person()
    {
        var cursors = (await api.WalkPortalAsync(api.Person.MyNumber, 1)).Select(p => p.NextCursor).OfType<string>().ToList();

        cursors.Should().NotBeEmpty();
        foreach (var cursor in cursors)
        {
            var readable = cursor + " " + string.Join(" ", cursor.Split('.').Select(DecodeBase64Url));
            api.Exchanges.Should().NotContain(id => readable.Contains(id, StringComparison.Ordinal),
                "record ids are keyed so that the person never learns the NWS transaction numbers; a cursor must not undo that");
        }
    }

    private static string DecodeBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
