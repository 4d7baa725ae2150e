using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>
/// Given: a person about whom 千代田区 asked 札幌市 twice and 日本年金機構 once; the oldest record carries two corrections,
/// the newest is not answered yet. And somebody else with a record of their own.
/// </summary>
public sealed class ApiWithPortalHistory : LedgerApi
{
    public static readonly DateTimeOffset T0 = ExchangeScenarios.RequestedAt;

    public LinkedPerson Person { get; private set; } = null!;

    public LinkedPerson SomebodyElse { get; private set; } = null!;

    /// <summary>Oldest first: 児童手当 / 課税情報 from 札幌市; 児童扶養手当 / 年金 from 日本年金機構 (no data); 児童手当 / 住基 (unanswered).</summary>
    public List<string> Exchanges { get; } = [];

    protected override async Task GivenAsync()
    {
        Person = await this.LinkPersonAsync(Institutions.Chiyoda, Institutions.Sapporo);
        var atPension = await this.AlsoLinkedAtAsync(Person, Institutions.PensionService);
        Exchanges.Add(await this.RecordExchangeAsync(Person, T0));
        Exchanges.Add(await this.RecordExchangeAsync(atPension, T0.AddDays(1),
            inquiry: r => (r["procedureCode"], r["infoItemCode"]) = ("57", "53"),
            provision: r => (r["result"], r["payloadDigest"]) = ("no-data", null)));
        Exchanges.Add(await this.MakeInquiryAsync(Person, T0.AddDays(2), r => r["infoItemCode"] = ExchangeScenarios.ResidentInfo));
        await this.Institution(Institutions.Chiyoda).AppendCorrectionAsync(Exchanges[0],
            ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記", T0.AddDays(10)));
        await this.Institution(Institutions.Sapporo).AppendCorrectionAsync(Exchanges[0],
            ExchangeScenarios.CorrectionRequest("提供内容に誤りがあったため追記", T0.AddDays(11), "other"));

        SomebodyElse = await this.LinkPersonAsync();
        await this.RecordExchangeAsync(SomebodyElse, T0.AddDays(1));
    }
}

/// <summary>POST /api/v1/mynaportal/records/search: what a person sees of the records about them.</summary>
public sealed class PortalViewTests(ApiWithPortalHistory api) : IClassFixture<ApiWithPortalHistory>
{
    private const string Chiyoda = "東京都千代田区";
    private const string Sapporo = "北海道札幌市";
    private const string PensionService = "日本年金機構";
    private const string ChildAllowance = "児童手当法による児童手当又は特例給付の支給に関する事務";
    private const string ChildSupportAllowance = "児童扶養手当法による児童扶養手当の支給に関する事務";
    private const string TaxInfo = "地方税関係情報（課税情報）";
    private const string ResidentInfo = "住民基本台帳関係情報";
    private const string PensionInfo = "年金給付支給関係情報";

    private static readonly DateTimeOffset T0 = ApiWithPortalHistory.T0;

    /// <summary>The view of the given state, newest first (record ids aside: they are the ledger's to choose).</summary>
    private static readonly PortalRecord[] Expected =
    [
        new("", T0.AddDays(2), null, Chiyoda, Sapporo, ChildAllowance, ResidentInfo, null, []),
        new("", T0.AddDays(1), T0.AddDays(1).AddMinutes(1), Chiyoda, PensionService, ChildSupportAllowance, PensionInfo, "no-data", []),
        new("", T0, T0.AddMinutes(1), Chiyoda, Sapporo, ChildAllowance, TaxInfo, "provided",
        [
            new PortalCorrection("wrong-subject", "照会対象者誤りのため追記", T0.AddDays(10)),
            new PortalCorrection("other", "提供内容に誤りがあったため追記", T0.AddDays(11)),
        ]),
    ];

    [Fact]
    public async Task The_view_shows_the_persons_records_newest_first_with_names_results_and_every_correction()
    {
        var page = await api.SearchPortalAsync(api.Person.MyNumber);

        page.Items.Should().BeEquivalentTo(Expected, o => o.Excluding(r => r.RecordId).WithStrictOrdering());
        page.NextCursor.Should().BeNull();
    }

    [Fact]
    public async Task Record_ids_are_distinct_and_do_not_give_away_the_transaction_number()
    {
        var page = await api.SearchPortalAsync(api.Person.MyNumber);

        page.Items.Select(r => r.RecordId).Should().OnlyHaveUniqueItems().And.NotContain(r => string.IsNullOrEmpty(r));
        foreach (var exchangeId in api.Exchanges)
        {
            page.Items.Should().NotContain(r => r.RecordId.Contains(exchangeId, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task The_view_is_the_same_every_time_it_is_asked()
    {
        var first = await api.RawSearchAsync(PortalScenarios.SearchRequest(api.Person.MyNumber));
        var second = await api.RawSearchAsync(PortalScenarios.SearchRequest(api.Person.MyNumber));

        second.Should().BeEquivalentTo(first);
    }

    [Fact]
    public async Task Somebody_elses_records_are_not_in_the_view()
    {
        var mine = await api.PortalRecordsAsync(api.Person.MyNumber);
        var theirs = await api.PortalRecordsAsync(api.SomebodyElse.MyNumber);

        mine.Should().HaveCount(3);
        theirs.Should().ContainSingle().Which.RequestedAt.Should().Be(T0.AddDays(1));
        theirs.Select(r => r.RecordId).Should().NotIntersectWith(mine.Select(r => r.RecordId));
    }

    [Fact]
    public async Task A_person_the_ledger_never_saw_gets_200_with_no_items()
    {
        var answer = await api.RawSearchAsync(PortalScenarios.SearchRequest(MyNumbers.Next()));

        answer.Status.Should().Be(HttpStatusCode.OK);
        answer.Body.Should().Be("""{"items":[],"nextCursor":null}""");
    }

    public static TheoryData<string, string?, int[]> Filters() => new()
    {
        { "institutionCode", Institutions.PensionService, [1] },
        { "institutionCode", Institutions.Sapporo, [0, 2] },
        { "institutionCode", Institutions.Chiyoda, [0, 1, 2] },
        { "institutionCode", Institutions.Shinjuku, [] },
        { "procedureCode", "57", [1] },
        { "procedureCode", ExchangeScenarios.ChildAllowance, [0, 2] },
        { "infoItemCode", ExchangeScenarios.ResidentInfo, [0] },
        { "infoItemCode", ExchangeScenarios.TaxInfo, [2] },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task A_filter_by_institution_procedure_or_item_shows_the_matching_records_only(string filter, string? value, int[] expected)
    {
        var records = await api.PortalRecordsAsync(api.Person.MyNumber, r => r[filter] = value);

        records.Should().BeEquivalentTo(expected.Select(i => Expected[i]), o => o.Excluding(r => r.RecordId).WithStrictOrdering());
    }

    [Fact]
    public async Task A_filter_by_period_shows_the_records_requested_in_it_inclusive()
    {
        var middle = await api.PortalRecordsAsync(api.Person.MyNumber, r => (r["from"], r["to"]) = (T0.AddDays(1).ToString("O"), T0.AddDays(1).ToString("O")));
        var fromMiddle = await api.PortalRecordsAsync(api.Person.MyNumber, r => r["from"] = T0.AddHours(12).ToString("O"));
        var untilMiddle = await api.PortalRecordsAsync(api.Person.MyNumber, r => r["to"] = T0.AddDays(1).AddHours(12).ToString("O"));

        middle.Should().BeEquivalentTo([Expected[1]], o => o.Excluding(r => r.RecordId));
        fromMiddle.Should().BeEquivalentTo(Expected[..2], o => o.Excluding(r => r.RecordId).WithStrictOrdering());
        untilMiddle.Should().BeEquivalentTo(Expected[1..], o => o.Excluding(r => r.RecordId).WithStrictOrdering());
    }

    [Fact]
    public async Task A_bare_date_is_the_whole_day_in_japan_time_and_a_time_without_offset_is_japan_time()
    {
        var person = await api.LinkPersonAsync();
        DateTimeOffset Jst(string t) => DateTimeOffset.Parse(t, System.Globalization.CultureInfo.InvariantCulture);
        await api.RecordExchangeAsync(person, Jst("2025-06-02T00:30:00+09:00"));
        await api.RecordExchangeAsync(person, Jst("2025-06-02T23:30:00+09:00"));
        await api.RecordExchangeAsync(person, Jst("2025-06-03T00:30:00+09:00"));

        var day = await api.PortalRecordsAsync(person.MyNumber, r => (r["from"], r["to"]) = ("2025-06-02", "2025-06-02"));
        var fromJstMorning = await api.PortalRecordsAsync(person.MyNumber, r => r["from"] = "2025-06-02T23:00:00");

        day.Select(r => r.RequestedAt).Should().Equal(Jst("2025-06-02T23:30:00+09:00"), Jst("2025-06-02T00:30:00+09:00"));
        fromJstMorning.Should().HaveCount(2, "23:00 without an offset is 23:00 in Japan, so the 23:30 and next-day records follow it");
    }

    [Fact]
    public async Task Filters_combine()
    {
        var records = await api.PortalRecordsAsync(api.Person.MyNumber,
            r => (r["institutionCode"], r["infoItemCode"], r["to"]) = (Institutions.Sapporo, ExchangeScenarios.TaxInfo, T0.AddDays(5).ToString("O")));

        records.Should().BeEquivalentTo([Expected[2]], o => o.Excluding(r => r.RecordId));
    }

    [Fact]
    public async Task A_proxy_sees_exactly_what_the_person_sees()
    {
        var self = await api.RawSearchAsync(PortalScenarios.SearchRequest(api.Person.MyNumber, pageSize: 2));
        var proxyRequest = PortalScenarios.SearchRequest(api.Person.MyNumber, pageSize: 2);
        PortalScenarios.ByProxy("legal-guardian-7")(proxyRequest);

        var proxy = await api.RawSearchAsync(proxyRequest);

        proxy.Should().BeEquivalentTo(self);
    }

    [Fact]
    public async Task Each_search_records_who_viewed_which_records()
    {
        var before = await api.RecordsViewedAsync();

        var first = await api.SearchPortalAsync(api.Person.MyNumber, pageSize: 2);
        await api.SearchPortalAsync(api.Person.MyNumber, pageSize: 2, cursor: first.NextCursor, adjust: PortalScenarios.ByProxy("legal-guardian-7"));
        await api.SearchPortalAsync(api.Person.MyNumber, adjust: r => r["institutionCode"] = Institutions.Shinjuku);

        var viewed = (await api.RecordsViewedAsync()).Skip(before.Count).ToList();
        viewed.Should().HaveCount(3, "every search is recorded, even one that showed nothing");
        viewed.Select(v => v.SubjectRef).Distinct().Should().ContainSingle();
        viewed.Select(v => (v.ViewerKind, v.ProxyId)).Should().Equal(("self", null), ("proxy", "legal-guardian-7"), ("self", null));
        viewed[0].RecordIds.Should().Equal(api.Exchanges[2], api.Exchanges[1]);
        viewed[1].RecordIds.Should().Equal(api.Exchanges[0]);
        viewed[2].RecordIds.Should().BeEmpty();
        viewed.Should().OnlyContain(v => v.ViewedAt > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Paging_shows_newest_first_in_full_pages_and_every_record_once()
    {
        var pages = await api.WalkPortalAsync(api.Person.MyNumber, pageSize: 2);

        pages.Select(p => p.Items.Count).Should().Equal(2, 1);
        pages.SelectMany(p => p.Items).Should().BeEquivalentTo(Expected, o => o.Excluding(r => r.RecordId).WithStrictOrdering());
    }

    public static TheoryData<string, string?> BadSearches() => new()
    {
        { "myNumber", "123456789010" },
        { "myNumber", "12345" },
        { "myNumber", null },
        { "viewer", null },
        { "institutionCode", Institutions.Chuo },
        { "institutionCode", "131017" },
        { "procedureCode", "9999" },
        { "infoItemCode", "999" },
        { "pageSize", "0" },
        { "pageSize", "101" },
    };

    [Theory]
    [MemberData(nameof(BadSearches))]
    public async Task A_bad_search_gets_400_naming_the_field_and_records_no_view(string field, string? value)
    {
        var request = PortalScenarios.SearchRequest(api.Person.MyNumber);
        request[field] = field == "pageSize" && value is not null ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value;
        if (field == "myNumber" && value == "123456789010")
        {
            // A valid number with its check digit changed.
            request[field] = MyNumbers.WithWrongCheckDigits(api.Person.MyNumber).First();
        }

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostSearchAsync(request));

        problem.ShouldName(field);
    }

    [Fact]
    public async Task A_proxy_without_a_proxy_id_gets_400_naming_it()
    {
        var request = PortalScenarios.SearchRequest(api.Person.MyNumber);
        request["viewer"] = new System.Text.Json.Nodes.JsonObject { ["kind"] = "proxy" };

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostSearchAsync(request));

        problem.ShouldName("viewer.proxyId");
    }

    [Theory]
    [InlineData(Roles.Institution)]
    [InlineData(Roles.Nws)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.IncidentResponder)]
    public async Task Only_the_portal_searches_a_persons_view(string role)
    {
        await api.RefusesAsync(HttpStatusCode.Forbidden,
            () => api.As(role, role == Roles.Institution ? Institutions.Chiyoda : null).PostJsonAsync(PortalScenarios.Route, PortalScenarios.SearchRequest(api.Person.MyNumber)));
    }
}
