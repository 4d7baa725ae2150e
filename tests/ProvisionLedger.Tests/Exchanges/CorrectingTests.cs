using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Parties;

namespace ProvisionLedger.Tests.Exchanges;

/// <summary>One entry of GET /api/v1/exchanges/{id}/history: what was recorded, by whom (from the token) and when.</summary>
public sealed record HistoryEntry(
    long Sequence, string Kind, DateTimeOffset RecordedAt, string? RecordedBy, DateTimeOffset BusinessTime, string? CorrectionKind, string? Note, string? By);

public sealed record ExchangeHistory(string ExchangeId, HistoryEntry Original, IReadOnlyList<HistoryEntry> Entries, IReadOnlyList<HistoryEntry> Corrections);

/// <summary>
/// 追記: corrections are appended to a record, never written over it; each party's copy and the append history show
/// them in order, with who recorded them and when.
/// </summary>
public sealed class CorrectingTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private HttpClient Inquirer => api.Institution(api.Person.InquirerCode);

    private HttpClient Provider => api.Institution(api.Person.ProviderCode);

    private async Task<ExchangeHistory> HistoryAsync(HttpClient reader, string exchangeId)
    {
        var response = await reader.GetAsync(new Uri(ExchangeScenarios.HistoryRoute(exchangeId), UriKind.Relative));
        await response.ShouldBeAsync(HttpStatusCode.OK, "a party reads the history of its exchange");
        return await response.ReadJsonAsync<ExchangeHistory>();
    }

    [Fact]
    public async Task A_correction_appears_in_all_three_copies_and_in_the_history_recorded_by_the_token_not_the_body()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var correction = ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記", by: "staff-9");
        var clerk = api.AsPrincipal(Roles.Institution, api.Person.InquirerCode, "clerk-42");
        var before = DateTimeOffset.UtcNow;

        await clerk.AppendCorrectionAsync(exchangeId, correction);

        var expected = new PartyCorrection("wrong-subject", "照会対象者誤りのため追記", "staff-9", ExchangeScenarios.RequestedAt.AddDays(1));
        (await api.NwsCopyAsync(exchangeId)).Corrections.Should().BeEquivalentTo([expected]);
        (await api.InquirerCopyAsync(api.Person, exchangeId)).Corrections.Should().BeEquivalentTo([expected]);
        (await api.ProviderCopyAsync(api.Person, exchangeId)).Corrections.Should().BeEquivalentTo([expected]);

        var history = await HistoryAsync(Inquirer, exchangeId);
        history.Entries.Select(e => e.Kind).Should().Equal("inquiry-made", "information-provided", "correction-appended");
        var appended = history.Corrections.Should().ContainSingle().Subject;
        appended.Should().BeEquivalentTo(history.Entries[^1]);
        appended.CorrectionKind.Should().Be("wrong-subject");
        appended.Note.Should().Be("照会対象者誤りのため追記");
        appended.By.Should().Be("staff-9", "the staff member named in the body is kept as the body said");
        appended.RecordedBy.Should().Contain("clerk-42").And.Contain(api.Person.InquirerCode, "who recorded it comes from the token")
            .And.NotContain("staff-9");
        appended.BusinessTime.Should().Be(ExchangeScenarios.RequestedAt.AddDays(1));
        appended.RecordedAt.Should().BeCloseTo(before, TimeSpan.FromMinutes(1), "the recording time is the server's");
    }

    [Fact]
    public async Task Corrections_by_both_parties_are_kept_in_the_order_they_were_appended()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        await Provider.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("提供側の追記", ExchangeScenarios.RequestedAt.AddDays(3), "other"));
        await Inquirer.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("照会側の追記", ExchangeScenarios.RequestedAt.AddDays(2)));
        await api.As(Roles.Nws).AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("NWSの追記", ExchangeScenarios.RequestedAt.AddDays(4), "wrong-procedure"));

        string[] inOrder = ["提供側の追記", "照会側の追記", "NWSの追記"];
        var history = await HistoryAsync(api.As(Roles.Auditor), exchangeId);
        history.Corrections.Select(c => c.Note).Should().Equal(inOrder);
        history.Corrections.Select(c => c.Sequence).Should().BeInAscendingOrder();
        history.Corrections.Select(c => c.RecordedBy).Should().OnlyHaveUniqueItems("three principals appended them");
        (await api.InquirerCopyAsync(api.Person, exchangeId)).Corrections.Select(c => c.Note).Should().Equal(inOrder);
        (await api.ProviderCopyAsync(api.Person, exchangeId)).Corrections.Select(c => c.Note).Should().Equal(inOrder);
        (await api.NwsCopyAsync(exchangeId)).Corrections.Select(c => c.Note).Should().Equal(inOrder);
    }

    [Fact]
    public async Task The_original_entry_and_everything_before_the_correction_stay_as_they_were()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var before = await HistoryAsync(Inquirer, exchangeId);
        var copyBefore = await api.InquirerCopyAsync(api.Person, exchangeId);

        await Inquirer.AppendCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("照会対象者誤りのため追記"));

        var after = await HistoryAsync(Inquirer, exchangeId);
        after.Original.Should().BeEquivalentTo(before.Original);
        after.Entries.Take(before.Entries.Count).Should().BeEquivalentTo(before.Entries, o => o.WithStrictOrdering());
        (await api.InquirerCopyAsync(api.Person, exchangeId)).Should().BeEquivalentTo(copyBefore, o => o.Excluding(c => c.Corrections));
    }

    [Fact]
    public async Task The_same_correction_sent_again_is_appended_once()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var correction = ExchangeScenarios.CorrectionRequest("再送される追記");
        var first = await Inquirer.PostCorrectionAsync(exchangeId, correction);
        var afterFirst = await api.EventCountAsync();

        var again = await Inquirer.PostCorrectionAsync(exchangeId, correction);

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        await again.ShouldBeAsync(HttpStatusCode.OK, "a retried correction is answered as the first was");
        (await again.Content.ReadAsStringAsync()).Should().Be(await first.Content.ReadAsStringAsync());
        (await api.EventCountAsync()).Should().Be(afterFirst);
    }

    [Fact]
    public async Task A_correction_to_a_record_that_does_not_exist_gets_404_and_writes_nothing()
    {
        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => Inquirer.PostCorrectionAsync(ExchangeScenarios.NewExchangeId(), ExchangeScenarios.CorrectionRequest("存在しない記録への追記")));
    }

    [Fact]
    public async Task A_correction_by_an_institution_that_is_no_party_gets_404_and_writes_nothing()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        await api.RefusesAsync(HttpStatusCode.NotFound,
            () => api.Institution(Institutions.Shinjuku).PostCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("部外者の追記")));
    }

    [Theory]
    [InlineData("kind")]
    [InlineData("note")]
    [InlineData("by")]
    [InlineData("occurredAt")]
    public async Task A_correction_missing_a_field_gets_400_naming_it(string field)
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var correction = ExchangeScenarios.CorrectionRequest("欠けた追記");
        correction.Remove(field);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest, () => Inquirer.PostCorrectionAsync(exchangeId, correction));

        problem.ShouldName(field);
    }

    [Fact]
    public async Task A_correction_dated_before_the_inquiry_gets_400_naming_occurred_at()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        var problem = await api.RefusesAsync(HttpStatusCode.BadRequest,
            () => Inquirer.PostCorrectionAsync(exchangeId, ExchangeScenarios.CorrectionRequest("早すぎる追記", ExchangeScenarios.RequestedAt.AddDays(-1))));

        problem.ShouldName("occurredAt");
    }

    [Fact]
    public async Task The_history_is_404_to_an_institution_that_is_no_party_and_readable_by_the_auditor()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        var outsider = await api.Institution(Institutions.Shinjuku).GetAsync(new Uri(ExchangeScenarios.HistoryRoute(exchangeId), UriKind.Relative));
        var missing = await Inquirer.GetAsync(new Uri(ExchangeScenarios.HistoryRoute(ExchangeScenarios.NewExchangeId()), UriKind.Relative));

        outsider.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await outsider.ReadProblemAsync()).Title.Should().Be((await missing.ReadProblemAsync()).Title, "an outsider cannot tell an exchange exists");
        (await HistoryAsync(api.As(Roles.Auditor), exchangeId)).Original.Kind.Should().Be("inquiry-made");
    }

    [Fact]
    public async Task A_party_reading_the_history_sees_its_own_copy_only()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

        var asInquirer = await (await Inquirer.GetAsync(new Uri(ExchangeScenarios.HistoryRoute(exchangeId), UriKind.Relative))).Content.ReadAsStringAsync();
        var asProvider = await (await Provider.GetAsync(new Uri(ExchangeScenarios.HistoryRoute(exchangeId), UriKind.Relative))).Content.ReadAsStringAsync();
        var providerCopy = await api.ProviderCopyAsync(api.Person, exchangeId);
        var inquirerCopy = await api.InquirerCopyAsync(api.Person, exchangeId);

        asInquirer.Should().Contain(api.Person.InquirerRecordId).And.NotContain(api.Person.ProviderRecordId).And.NotContain(providerCopy.SubjectCode!);
        asProvider.Should().Contain(api.Person.ProviderRecordId).And.NotContain(api.Person.InquirerRecordId).And.NotContain(inquirerCopy.SubjectCode!);
    }

    [Fact]
    public async Task Eight_identical_corrections_at_once_are_appended_once_and_all_answered_alike()
    {
        var exchangeId = await api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);
        var correction = ExchangeScenarios.CorrectionRequest("再送が重なった追記");
        var before = await api.EventCountAsync();
        var clients = Enumerable.Range(0, 8).Select(_ => Inquirer).ToList();

        var responses = await Task.WhenAll(clients.Select(c => c.PostCorrectionAsync(exchangeId, correction)));

        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select(r => r.StatusCode).Should().ContainSingle(s => s == HttpStatusCode.Created, string.Join("\n", bodies))
            .And.OnlyContain(s => s == HttpStatusCode.Created || s == HttpStatusCode.OK, "a retry of the same correction is not a conflict");
        bodies.Should().AllBe(bodies[0]);
        (await api.EventCountAsync()).Should().Be(before + 1);
    }
}
