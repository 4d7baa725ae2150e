using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Parties;

/// <summary>
/// The three copies of a 情報提供等の記録 (SPEC §3): each party holds the shared record and only its own way of naming the
/// person; an institution never reads another's copies.
/// </summary>
public sealed class PartyCopyTests(ApiWithLinkedSubject api) : IClassFixture<ApiWithLinkedSubject>
{
    private static readonly DateTimeOffset ProvidedAt = ExchangeScenarios.RequestedAt.AddMinutes(1);

    private Task<string> ExchangeAsync() => api.RecordExchangeAsync(api.Person, ExchangeScenarios.RequestedAt);

    private PartyCopy Shared(string exchangeId) => new(
        exchangeId, api.Person.InquirerCode, api.Person.ProviderCode, ExchangeScenarios.ChildAllowance, ExchangeScenarios.TaxInfo,
        ExchangeScenarios.RequestedAt, ProvidedAt, "provided", null, null, null, null, [], false);

    [Fact]
    public async Task The_network_systems_copy_has_both_parties_codes_and_no_local_record_ids()
    {
        var exchangeId = await ExchangeAsync();

        var nws = await api.NwsCopyAsync(exchangeId);

        nws.Should().BeEquivalentTo(Shared(exchangeId), o => o.Excluding(c => c.InquirerSubjectCode).Excluding(c => c.ProviderSubjectCode));
        nws.InquirerSubjectCode.Should().NotBeNullOrEmpty();
        nws.ProviderSubjectCode.Should().NotBeNullOrEmpty().And.NotBe(nws.InquirerSubjectCode, "each institution has its own 機関別符号 for the person");
        var listing = await (await api.As(Roles.Nws).GetAsync(new Uri(PartyScenarios.NwsRecords, UriKind.Relative))).Content.ReadAsStringAsync();
        listing.Should().NotContain(api.Person.InquirerRecordId).And.NotContain(api.Person.ProviderRecordId);
    }

    [Fact]
    public async Task The_inquirers_copy_has_its_own_record_and_code_and_never_the_providers()
    {
        var exchangeId = await ExchangeAsync();
        var nws = await api.NwsCopyAsync(exchangeId);

        var inquirer = await api.InquirerCopyAsync(api.Person, exchangeId);

        inquirer.Should().BeEquivalentTo(Shared(exchangeId) with { SubjectCode = nws.InquirerSubjectCode, LocalRecordId = api.Person.InquirerRecordId });
        var listing = await (await api.Institution(api.Person.InquirerCode)
            .GetAsync(new Uri(PartyScenarios.InstitutionRecords(api.Person.InquirerCode, "inquirer"), UriKind.Relative))).Content.ReadAsStringAsync();
        listing.Should().NotContain(api.Person.ProviderRecordId).And.NotContain(nws.ProviderSubjectCode!);
    }

    [Fact]
    public async Task The_providers_copy_has_its_own_record_and_code_and_never_the_inquirers()
    {
        var exchangeId = await ExchangeAsync();
        var nws = await api.NwsCopyAsync(exchangeId);

        var provider = await api.ProviderCopyAsync(api.Person, exchangeId);

        provider.Should().BeEquivalentTo(Shared(exchangeId) with { SubjectCode = nws.ProviderSubjectCode, LocalRecordId = api.Person.ProviderRecordId });
        var listing = await (await api.Institution(api.Person.ProviderCode)
            .GetAsync(new Uri(PartyScenarios.InstitutionRecords(api.Person.ProviderCode, "provider"), UriKind.Relative))).Content.ReadAsStringAsync();
        listing.Should().NotContain(api.Person.InquirerRecordId).And.NotContain(nws.InquirerSubjectCode);
    }

    [Fact]
    public async Task The_provider_is_asked_before_it_answers_and_its_copy_says_so_without_a_code()
    {
        var exchangeId = await api.MakeInquiryAsync(api.Person);

        var provider = await api.ProviderCopyAsync(api.Person, exchangeId);

        provider.Should().BeEquivalentTo(Shared(exchangeId) with { ProvidedAt = null, Result = null });
    }

    [Fact]
    public async Task A_person_has_one_code_per_institution_the_same_in_every_exchange_and_unlike_anybody_elses()
    {
        var atShinjuku = await api.LinkPersonAsync(Institutions.Shinjuku, Institutions.Sapporo, api.Person.MyNumber);
        var somebodyElse = await api.LinkPersonAsync();
        var first = await ExchangeAsync();
        var second = await ExchangeAsync();
        var fromShinjuku = await api.RecordExchangeAsync(atShinjuku, ExchangeScenarios.RequestedAt);
        var aboutSomebodyElse = await api.RecordExchangeAsync(somebodyElse, ExchangeScenarios.RequestedAt);

        var copies = new[] { first, second, fromShinjuku, aboutSomebodyElse }.Select(id => api.NwsCopyAsync(id)).ToList();
        var (a, b, c, d) = (await copies[0], await copies[1], await copies[2], await copies[3]);

        b.InquirerSubjectCode.Should().Be(a.InquirerSubjectCode, "千代田区 names the person the same way every time");
        c.ProviderSubjectCode.Should().Be(a.ProviderSubjectCode, "札幌市 names the person the same way whoever asks");
        new[] { a.InquirerSubjectCode, a.ProviderSubjectCode, c.InquirerSubjectCode }.Should().OnlyHaveUniqueItems("each institution has its own code");
        d.InquirerSubjectCode.Should().NotBe(a.InquirerSubjectCode);
        d.ProviderSubjectCode.Should().NotBe(a.ProviderSubjectCode);
    }

    [Theory]
    [InlineData("inquirer")]
    [InlineData("provider")]
    public async Task An_institution_reading_another_institutions_records_gets_404(string role)
    {
        await ExchangeAsync();

        var response = await api.Institution(Institutions.Shinjuku)
            .GetAsync(new Uri(PartyScenarios.InstitutionRecords(api.Person.InquirerCode, role), UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.ReadProblemAsync()).Status.Should().Be(404);
    }

    [Fact]
    public async Task An_institution_reading_the_network_systems_copies_gets_403()
    {
        var response = await api.Institution(api.Person.InquirerCode).GetAsync(new Uri(PartyScenarios.NwsRecords, UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        await response.ReadProblemAsync();
    }

    [Fact]
    public async Task The_auditor_reads_every_partys_copies()
    {
        var exchangeId = await ExchangeAsync();
        var auditor = api.As(Roles.Auditor);

        var nws = (await auditor.AllAsync(PartyScenarios.NwsRecords)).Single(c => c.ExchangeId == exchangeId);
        var inquirer = (await auditor.AllAsync(PartyScenarios.InstitutionRecords(api.Person.InquirerCode, "inquirer"))).Single(c => c.ExchangeId == exchangeId);
        var provider = (await auditor.AllAsync(PartyScenarios.InstitutionRecords(api.Person.ProviderCode, "provider"))).Single(c => c.ExchangeId == exchangeId);

        nws.Should().BeEquivalentTo(await api.NwsCopyAsync(exchangeId));
        inquirer.Should().BeEquivalentTo(await api.InquirerCopyAsync(api.Person, exchangeId));
        provider.Should().BeEquivalentTo(await api.ProviderCopyAsync(api.Person, exchangeId));
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("")]
    [InlineData("nws")]
    public async Task A_role_other_than_inquirer_or_provider_gets_400_naming_role(string role)
    {
        var response = await api.Institution(api.Person.InquirerCode)
            .GetAsync(new Uri(PartyScenarios.InstitutionRecords(api.Person.InquirerCode, role), UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadProblemAsync()).ShouldName("role");
    }
}
