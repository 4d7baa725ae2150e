using System.Net;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Tests.Exchanges;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Incidents;
using ProvisionLedger.Tests.Linkages;
using ProvisionLedger.Tests.Mynaportal;
using ProvisionLedger.Tests.Subjects;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Privacy;

/// <summary>
/// A relative's number keyed in by mistake (SPEC §7): 千代田区 links its record of T to W's number. W, under DV protection,
/// lives in 新宿区, which asks 千代田区 about W and is answered from that record. When the mis-linkage is confirmed naming
/// T, the record is attributed to T too: T must not learn from it which municipality asked, since that is where W lives.
/// </summary>
public sealed class ReattributionSuppressionTests(LedgerApi api) : IClassFixture<LedgerApi>
{
    private const string Wrong = Institutions.Chiyoda;
    private const string WsTown = Institutions.Shinjuku;

    private async Task<(string W, string T, string ExchangeId)> GivenAMisLinkedRecordAttributedToT(bool protectW)
    {
        var (w, t) = (MyNumbers.Next(), MyNumbers.Next());
        var wrongRecord = LinkageScenarios.NewLocalRecordId();
        var wsRecord = LinkageScenarios.NewLocalRecordId();
        var linkage = await api.LinkAsync(Wrong, wrongRecord, w, At(Jst("2025-04-01T10:00:00+09:00")));
        await api.LinkAsync(WsTown, wsRecord, w, At(Jst("2025-03-01T10:00:00+09:00")));
        if (protectW)
        {
            await api.ProtectAsync(w, WsTown);
        }

        var exchangeId = ExchangeScenarios.NewExchangeId();
        await api.InquireAsync(exchangeId, WsTown, Wrong, "57", "1", wsRecord, Jst("2025-05-10T14:00:00+09:00"));
        await api.ProvideAsync(exchangeId, Wrong, wrongRecord, Jst("2025-05-10T14:00:03+09:00"));
        var confirmed = await api.Institution(Wrong).ConfirmMisLinkageAsync(linkage.LinkageId, Confirmation(Jst("2025-07-01T10:00:00+09:00"), t));
        await confirmed.ShouldBeAsync(HttpStatusCode.Created, "the mis-linkage was expected to be confirmed");
        return (w, t, exchangeId);
    }

    [Fact]
    public async Task A_record_attributed_to_the_true_owner_shows_when_nobody_it_concerns_is_protected()
    {
        var (_, t, _) = await GivenAMisLinkedRecordAttributedToT(protectW: false);

        (await api.PortalRecordsAsync(t)).Should().ContainSingle().Which.InquirerName.Should().Contain("新宿区");
    }

    [Fact]
    public async Task A_record_attributed_to_the_true_owner_stays_hidden_while_the_person_it_was_recorded_about_is_protected()
    {
        var (_, t, _) = await GivenAMisLinkedRecordAttributedToT(protectW: true);

        (await api.RawSearchAsync(PortalScenarios.SearchRequest(t))).Body.Should().NotContain("新宿区");
        (await api.PortalRecordsAsync(t)).Should().BeEmpty();
        (await api.PortalRecordsAsync(t, PortalScenarios.ByProxy("guardian-1"))).Should().BeEmpty("a proxy sees what the person sees");
    }

    [Fact]
    public async Task Protecting_the_true_owner_hides_the_record_from_the_wrongly_linked_person_too()
    {
        var (w, t, _) = await GivenAMisLinkedRecordAttributedToT(protectW: false);
        (await api.PortalRecordsAsync(w)).Should().NotBeEmpty("W saw the record before T was protected");

        await api.ProtectAsync(t, Wrong);

        (await api.PortalRecordsAsync(w)).Should().BeEmpty();
        (await api.PortalRecordsAsync(t)).Should().BeEmpty();
    }

    [Fact]
    public async Task The_record_returns_to_the_true_owners_view_when_the_protection_ends()
    {
        var (w, t, _) = await GivenAMisLinkedRecordAttributedToT(protectW: false);
        var protectionId = await api.ProtectAsync(w, WsTown);
        (await api.PortalRecordsAsync(t)).Should().BeEmpty();

        await api.EndProtectionAsync(protectionId, WsTown);

        (await api.PortalRecordsAsync(t)).Should().ContainSingle();
    }

    [Fact]
    public async Task The_institutions_party_copies_keep_the_record_as_the_law_requires()
    {
        var (_, _, exchangeId) = await GivenAMisLinkedRecordAttributedToT(protectW: true);

        var history = await api.As(Roles.Auditor).GetAsync(ExchangeScenarios.HistoryRoute(exchangeId));

        history.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
