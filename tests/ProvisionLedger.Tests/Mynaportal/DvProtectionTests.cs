using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Subjects;

namespace ProvisionLedger.Tests.Mynaportal;

/// <summary>
/// DV protection (SPEC §3): the view of a protected person shows nothing, for records made before the registration as
/// well as after, and nothing in the answer tells them apart from a person the ledger has never seen.
/// </summary>
public sealed class DvProtectionTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    /// <summary>A person with three records made before the registration of a protection.</summary>
    private async Task<LinkedPerson> GivenAPersonWithRecordsAsync()
    {
        var person = await api.LinkPersonAsync();
        for (var day = 0; day < 3; day++)
        {
            await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt.AddDays(day));
        }

        return person;
    }

    /// <summary>Search requests a portal might send; each must be answered alike for a protected and an unknown person.</summary>
    private static readonly Dictionary<string, Action<JsonObject>> Shapes = new()
    {
        ["plain"] = _ => { },
        ["one-per-page"] = r => r["pageSize"] = 1,
        ["by-provider"] = r => r["institutionCode"] = Institutions.Sapporo,
        ["by-procedure-and-item"] = r => (r["procedureCode"], r["infoItemCode"]) = (ExchangeScenarios.ChildAllowance, ExchangeScenarios.TaxInfo),
        ["by-period"] = r => (r["from"], r["to"]) = ("2025-01-01T00:00:00+09:00", "2025-12-31T23:59:59+09:00"),
        ["by-proxy"] = PortalScenarios.ByProxy("legal-guardian-7"),
    };

    public static TheoryData<string> RequestShapes() => [.. Shapes.Keys];

    private static JsonObject Search(string myNumber, string shape)
    {
        var request = PortalScenarios.SearchRequest(myNumber);
        Shapes[shape](request);
        return request;
    }

    [Fact]
    public async Task A_protected_person_sees_nothing_including_records_made_before_the_registration()
    {
        var person = await GivenAPersonWithRecordsAsync();
        (await api.PortalRecordsAsync(person.MyNumber)).Should().HaveCount(3, "the records were visible before");

        await api.ProtectAsync(person.MyNumber);

        (await api.SearchPortalAsync(person.MyNumber)).Should().BeEquivalentTo(new PortalPage([], null));
    }

    [Fact]
    public async Task Records_made_while_the_person_is_protected_are_not_shown_either()
    {
        var person = await api.LinkPersonAsync();
        await api.ProtectAsync(person.MyNumber);

        await api.RecordExchangeAsync(person, ExchangeScenarios.RequestedAt);

        (await api.SearchPortalAsync(person.MyNumber)).Items.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(RequestShapes))]
    public async Task The_answer_for_a_protected_person_is_byte_for_byte_the_answer_for_a_person_the_ledger_never_saw(string shape)
    {
        var person = await GivenAPersonWithRecordsAsync();
        await api.ProtectAsync(person.MyNumber);

        var protectedAnswer = await api.RawSearchAsync(Search(person.MyNumber, shape));
        var unknownAnswer = await api.RawSearchAsync(Search(MyNumbers.Next(), shape));

        protectedAnswer.Status.Should().Be(HttpStatusCode.OK);
        protectedAnswer.Should().BeEquivalentTo(unknownAnswer);
    }

    [Fact]
    public async Task A_protected_persons_view_records_the_view_with_nothing_shown_as_for_anyone()
    {
        var person = await GivenAPersonWithRecordsAsync();
        await api.ProtectAsync(person.MyNumber);
        var before = (await api.RecordsViewedAsync()).Count;

        await api.SearchPortalAsync(person.MyNumber);

        var viewed = (await api.RecordsViewedAsync()).Skip(before).Should().ContainSingle().Subject;
        viewed.RecordIds.Should().BeEmpty();
    }

    [Fact]
    public async Task Ending_the_protection_restores_the_view_as_it_was()
    {
        var person = await GivenAPersonWithRecordsAsync();
        var before = await api.RawSearchAsync(PortalScenarios.SearchRequest(person.MyNumber));
        var protectionId = await api.ProtectAsync(person.MyNumber);

        await api.EndProtectionAsync(protectionId);

        (await api.RawSearchAsync(PortalScenarios.SearchRequest(person.MyNumber))).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task While_a_second_protection_is_in_force_ending_the_first_shows_nothing_yet()
    {
        var person = await GivenAPersonWithRecordsAsync();
        var byChiyoda = await api.ProtectAsync(person.MyNumber, Institutions.Chiyoda);
        var bySapporo = await api.ProtectAsync(person.MyNumber, Institutions.Sapporo);

        await api.EndProtectionAsync(byChiyoda);
        var afterOne = await api.SearchPortalAsync(person.MyNumber);
        await api.EndProtectionAsync(bySapporo, Institutions.Sapporo);
        var afterBoth = await api.SearchPortalAsync(person.MyNumber);

        byChiyoda.Should().NotBe(bySapporo);
        afterOne.Items.Should().BeEmpty();
        afterBoth.Items.Should().HaveCount(3);
    }

    [Fact]
    public async Task Paging_a_protected_person_one_record_at_a_time_gives_one_empty_page()
    {
        var person = await GivenAPersonWithRecordsAsync();
        await api.ProtectAsync(person.MyNumber);

        var pages = await api.WalkPortalAsync(person.MyNumber, pageSize: 1);

        pages.Should().BeEquivalentTo([new PortalPage([], null)]);
    }

    [Fact]
    public async Task A_tampered_cursor_gets_400_naming_cursor_alike_for_a_protected_and_an_unknown_person()
    {
        var somebody = await GivenAPersonWithRecordsAsync();
        var cursor = (await api.SearchPortalAsync(somebody.MyNumber, pageSize: 1)).NextCursor!;
        var tampered = cursor[..^2] + (cursor[^2] == 'A' ? 'B' : 'A') + cursor[^1];
        var person = await GivenAPersonWithRecordsAsync();
        await api.ProtectAsync(person.MyNumber);
        var unknown = MyNumbers.Next();

        foreach (var bad in new[] { tampered, cursor, "not-a-cursor" })
        {
            var before = await api.EventCountAsync();
            var forProtected = await api.RawSearchAsync(PortalScenarios.SearchRequest(person.MyNumber, 1, bad));
            var forUnknown = await api.RawSearchAsync(PortalScenarios.SearchRequest(unknown, 1, bad));

            forProtected.Status.Should().Be(HttpStatusCode.BadRequest);
            forProtected.Body.Should().Contain("\"cursor\"");
            (forProtected with { Body = PortalScenarios.WithoutTraceId(forProtected.Body) })
                .Should().BeEquivalentTo(forUnknown with { Body = PortalScenarios.WithoutTraceId(forUnknown.Body) });
            (await api.EventCountAsync()).Should().Be(before, "a refused search records no view");
        }
    }

    [Fact]
    public async Task A_cursor_of_one_person_is_refused_for_another()
    {
        var one = await GivenAPersonWithRecordsAsync();
        var other = await GivenAPersonWithRecordsAsync();
        var cursor = (await api.SearchPortalAsync(one.MyNumber, pageSize: 1)).NextCursor;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest,
            () => api.PostSearchAsync(PortalScenarios.SearchRequest(other.MyNumber, 1, cursor)));

        problem.ShouldName("cursor");
    }

    [Fact]
    public async Task A_cursor_of_one_filter_is_refused_for_another()
    {
        var person = await GivenAPersonWithRecordsAsync();
        var cursor = (await api.SearchPortalAsync(person.MyNumber, pageSize: 1)).NextCursor;
        var request = PortalScenarios.SearchRequest(person.MyNumber, 1, cursor);
        request["infoItemCode"] = ExchangeScenarios.TaxInfo;

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => api.PostSearchAsync(request));

        problem.ShouldName("cursor");
    }
}
