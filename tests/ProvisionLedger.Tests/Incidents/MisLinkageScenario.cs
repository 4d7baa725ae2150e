using System.Net;
using System.Text.Json.Nodes;
using ProvisionLedger.Tests.Harness;
using ProvisionLedger.Tests.Linkages;
using static ProvisionLedger.Tests.Incidents.IncidentScenarios;

namespace ProvisionLedger.Tests.Incidents;

/// <summary>
/// The 2023 pattern end to end, through the API. 千代田区 (A) links its local record to the wrong person W after a
/// kana-name / date-of-birth / sex query that found two people, with no second checker and no approver; a later re-check
/// disagrees and nobody acts. Under that linkage A asks 札幌市 (B) about "its" person and gets W's tax information, and
/// gives its own record (the true owner T's information) to 新宿区 (C), which asked about W. A no-data inquiry and an
/// exchange between B and C about W, not under A's linkage, complete the picture. W looks at Mynaportal and sees the
/// records. Then A discovers the error and confirms it, naming T.
/// </summary>
public sealed class MisLinkageScenario : LedgerApi
{
    public const string A = Institutions.Chiyoda;
    public const string B = Institutions.Sapporo;
    public const string C = Institutions.Shinjuku;

    public const string ARecord = "A-WRONG-0001";
    public const string BRecordOfW = "B-W-0001";
    public const string CRecordOfW = "C-W-0001";

    /// <summary>A asks B (as inquirer): B answers with W's information.</summary>
    public const string AskedByA = "NWS-INC-000000001";

    /// <summary>C asks A (A as provider): A gives T's information under W's number.</summary>
    public const string ProvidedByA = "NWS-INC-000000002";

    /// <summary>A asks B again: no data, so nobody's information moved.</summary>
    public const string NoDataForA = "NWS-INC-000000003";

    /// <summary>C asks B about W: W's own business, not under A's linkage.</summary>
    public const string Unrelated = "NWS-INC-000000004";

    public const string CauseWithMarkup = "住所を含まない3情報で照会し<b>2人</b>が該当したが、確認せず1人目を選択した";

    public static readonly DateTimeOffset LinkedAt = Jst("2025-04-01T10:00:00+09:00");
    public static readonly DateTimeOffset RecheckedAt = Jst("2025-06-15T09:00:00+09:00");
    public static readonly DateTimeOffset DiscoveredAt = Jst("2025-07-01T10:00:00+09:00");

    public string W { get; } = MyNumbers.Next();

    public string T { get; } = MyNumbers.Next();

    public string WrongLinkageId { get; private set; } = "";

    public PortalPageAnswer WsViewBeforeDiscovery { get; private set; } = null!;

    public JsonObject ConfirmationBody { get; private set; } = null!;

    public HttpResponseMessage ConfirmationResponse { get; private set; } = null!;

    public string IncidentId { get; private set; } = "";

    public DateTimeOffset ViewedAround { get; private set; }

    public DateTimeOffset ConfirmedAround { get; private set; }

    protected override async Task GivenAsync()
    {
        WrongLinkageId = (await this.LinkAsync(A, ARecord, W, At(LinkedAt, ThreeItemQueryWithTwoCandidatesAndNoChecker))).LinkageId;
        await this.LinkAsync(B, BRecordOfW, W, At(LinkedAt.AddDays(-30)));
        await this.LinkAsync(C, CRecordOfW, W, At(LinkedAt.AddDays(-30)));

        var recheck = await Institution(A).PostJsonAsync($"/api/v1/linkages/{WrongLinkageId}/verifications", new
        {
            method = "jlis-4-items", occurredAt = RecheckedAt, agreed = false, details = "住所が住民票と一致しない",
        });
        recheck.StatusCode.Should().Be(HttpStatusCode.Created);

        await this.InquireAsync(AskedByA, A, B, "74", "2", ARecord, Jst("2025-05-01T09:00:00+09:00"));
        await this.ProvideAsync(AskedByA, B, BRecordOfW, Jst("2025-05-01T09:00:05+09:00"));
        await this.InquireAsync(ProvidedByA, C, A, "57", "1", CRecordOfW, Jst("2025-05-10T14:00:00+09:00"));
        await this.ProvideAsync(ProvidedByA, A, ARecord, Jst("2025-05-10T14:00:03+09:00"));
        await this.InquireAsync(NoDataForA, A, B, "74", "53", ARecord, Jst("2025-06-01T09:00:00+09:00"));
        await this.ProvideAsync(NoDataForA, B, BRecordOfW, Jst("2025-06-01T09:00:02+09:00"), "no-data");
        await this.InquireAsync(Unrelated, C, B, "57", "2", CRecordOfW, Jst("2025-06-20T11:00:00+09:00"));
        await this.ProvideAsync(Unrelated, B, BRecordOfW, Jst("2025-06-20T11:00:04+09:00"));

        ViewedAround = DateTimeOffset.UtcNow;
        WsViewBeforeDiscovery = await this.ViewPortalAsync(W);

        ConfirmationBody = Confirmation(DiscoveredAt, T, CauseWithMarkup);
        ConfirmedAround = DateTimeOffset.UtcNow;
        ConfirmationResponse = await Institution(A).ConfirmMisLinkageAsync(WrongLinkageId, ConfirmationBody);
        ConfirmationResponse.StatusCode.Should().Be(HttpStatusCode.Created, await ConfirmationResponse.Content.ReadAsStringAsync());
        IncidentId = (await ConfirmationResponse.ReadJsonAsync<IncidentAnswer>()).IncidentId;
    }
}
