using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Parties;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>
/// 不開示コード (番号法 第23条第2項): a record marked by either party, or by the network system, never reaches the person's
/// view while the mark is in force; both parties still hold it, marked.
/// </summary>
public sealed class NonDisclosureTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    /// <summary>The ways a record comes to be non-disclosed, and the party that can lift the mark again.</summary>
    public static TheoryData<string> Marks() => ["with-the-inquiry", "with-the-provision", "inquirer-later", "provider-later", "nws-later"];

    private HttpClient MarkingParty(string mark, LinkedPerson person) => mark switch
    {
        "with-the-inquiry" or "inquirer-later" => api.Institution(person.InquirerCode),
        "with-the-provision" or "provider-later" => api.Institution(person.ProviderCode),
        "nws-later" => api.As(Roles.Nws),
        _ => throw new ArgumentOutOfRangeException(nameof(mark), mark, null),
    };

    /// <summary>A person with a visible record, and a second, later record marked the given way. Returns the marked one.</summary>
    private async Task<(LinkedPerson Person, string Visible, string Hidden)> GivenAMarkedRecordAsync(string mark)
    {
        var person = await api.LinkPersonAsync();
        var visible = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        var hidden = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt.AddDays(1),
            inquiry: mark == "with-the-inquiry" ? ExchangeScenarios.NonDisclosed : null,
            provision: mark == "with-the-provision" ? ExchangeScenarios.NonDisclosed : null);
        if (mark.EndsWith("-later", StringComparison.Ordinal))
        {
            await MarkingParty(mark, person).MarkNonDisclosedAsync(hidden);
        }

        return (person, visible, hidden);
    }

    [Theory]
    [MemberData(nameof(Marks))]
    public async Task A_marked_record_is_absent_from_the_persons_view_and_from_what_was_viewed(string mark)
    {
        var (person, visible, hidden) = await GivenAMarkedRecordAsync(mark);

        var records = await api.PortalRecordsAsync(person.MyNumber);

        records.Select(r => r.RequestedAt).Should().Equal([ExchangeScenarios.RequestedAt], "only the unmarked record is shown");
        (await api.RecordsViewedAsync())[^1].RecordIds.Should().Equal(visible);
        (await api.RecordsViewedAsync()).SelectMany(v => v.RecordIds).Should().NotContain(hidden);
    }

    [Theory]
    [MemberData(nameof(Marks))]
    public async Task Both_parties_and_the_network_system_still_hold_the_marked_record_as_non_disclosed(string mark)
    {
        var (person, _, hidden) = await GivenAMarkedRecordAsync(mark);

        (await api.NwsCopyAsync(hidden)).NonDisclosed.Should().BeTrue();
        (await api.InquirerCopyAsync(person, hidden)).NonDisclosed.Should().BeTrue();
        (await api.ProviderCopyAsync(person, hidden)).NonDisclosed.Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Marks))]
    public async Task Lifting_the_mark_brings_the_record_back_as_it_was(string mark)
    {
        var person = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        var unmarked = await api.LinkPersonAsync();
        await api.RecordExchangeAsync(unmarked, ExchangeScenarios.RequestedAt);
        await api.RecordExchangeAsync(unmarked, ExchangeScenarios.RequestedAt.AddDays(1));
        var (marked, _, hidden) = await GivenAMarkedRecordAsync(mark);

        await MarkingParty(mark, marked).LiftNonDisclosureAsync(hidden);

        (await api.PortalRecordsAsync(marked.MyNumber)).Should().BeEquivalentTo(
            await api.PortalRecordsAsync(unmarked.MyNumber), o => o.Excluding(r => r.RecordId).WithStrictOrdering());
        (await api.NwsCopyAsync(hidden)).NonDisclosed.Should().BeFalse();
    }

    [Fact]
    public async Task A_record_marked_by_both_parties_stays_hidden_until_both_marks_are_lifted()
    {
        var (person, _, hidden) = await GivenAMarkedRecordAsync("with-the-inquiry");
        var provider = api.Institution(person.ProviderCode);
        await provider.MarkNonDisclosedAsync(hidden);

        await api.Institution(person.InquirerCode).LiftNonDisclosureAsync(hidden);
        var afterOneLift = await api.PortalRecordsAsync(person.MyNumber);
        await provider.LiftNonDisclosureAsync(hidden);
        var afterBoth = await api.PortalRecordsAsync(person.MyNumber);

        afterOneLift.Should().HaveCount(1, "the provider's mark is still in force");
        afterBoth.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_party_cannot_lift_the_other_partys_mark()
    {
        var (person, _, hidden) = await GivenAMarkedRecordAsync("with-the-provision");

        await api.RefusesAsync(HttpStatusCode.Conflict,
            () => api.Institution(person.InquirerCode).PostJsonAsync(ExchangeScenarios.LiftRoute(hidden), new JsonObject { ["by"] = "staff-5" }));

        (await api.PortalRecordsAsync(person.MyNumber)).Should().HaveCount(1);
    }

    [Fact]
    public async Task A_mark_by_an_institution_that_is_no_party_gets_404_and_writes_nothing()
    {
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => api.Institution(Institutions.Shinjuku).PostJsonAsync(ExchangeScenarios.NonDisclosureRoute(exchangeId), new JsonObject { ["reason"] = "dv", ["by"] = "x" }));
        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => api.Institution(person.InquirerCode).PostJsonAsync(ExchangeScenarios.NonDisclosureRoute(ExchangeScenarios.NewExchangeId()), new JsonObject { ["reason"] = "dv", ["by"] = "x" }));
        (await api.PortalRecordsAsync(person.MyNumber)).Should().HaveCount(1);
    }

    [Theory]
    [InlineData(Roles.Mynaportal)]
    [InlineData(Roles.Auditor)]
    public async Task Only_the_parties_and_the_network_system_mark_records(string role)
    {
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        await api.RefusesAsync(HttpStatusCode.Forbidden,
            () => api.As(role).PostJsonAsync(ExchangeScenarios.NonDisclosureRoute(exchangeId), new JsonObject { ["reason"] = "dv", ["by"] = "x" }));
    }

    [Fact]
    public async Task A_mark_with_an_unknown_reason_gets_400_naming_reason()
    {
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest,
            () => api.Institution(person.InquirerCode).PostJsonAsync(ExchangeScenarios.NonDisclosureRoute(exchangeId), new JsonObject { ["reason"] = "whim", ["by"] = "x" }));

        problem.ShouldName("reason");
    }

    [Fact]
    public async Task The_same_mark_sent_eight_times_at_once_is_recorded_once_and_no_retry_is_told_of_a_conflict()
    {
        var person = await api.LinkPersonAsync();
        var exchangeId = await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);
        var before = await api.EventCountAsync();
        var mark = new JsonObject { ["reason"] = "dv", ["by"] = "staff-5" };
        var clients = Enumerable.Range(0, 8).Select(_ => api.Institution(person.InquirerCode)).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostJsonAsync(ExchangeScenarios.NonDisclosureRoute(exchangeId), mark)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK);
        (await api.EventCountAsync()).Should().Be(before + 1);
        (await api.PortalRecordsAsync(person.MyNumber)).Should().BeEmpty();
    }
}
