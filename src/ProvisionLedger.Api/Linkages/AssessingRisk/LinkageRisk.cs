using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Linkages.AssessingRisk;

/// <summary>One way a linkage was made that the 2023 mis-linkage review found behind wrong linkages.</summary>
public sealed record RiskFactor(string Code, string Description);

/// <summary>A re-check that disagreed, kept with the linkage's risk.</summary>
public sealed record Discrepancy(string Method, string? Details, DateTimeOffset OccurredAt);

/// <summary>
/// How a linkage was made, measured against the Digital Agency guideline (seeds/002 §2-4, §2-5, §4): the J-LIS query
/// should include the address, several candidates need a further check, and the result needs a second person and a
/// supervisor's approval. Shared by the risk view and an incident's cause.
/// </summary>
public static class LinkageRiskFactors
{
    public const string JlisQueryWithoutAddress = "jlis-query-without-address";
    public const string FewQueryItems = "few-query-items";
    public const string MultipleCandidates = "multiple-candidates";
    public const string NoSecondChecker = "no-second-checker";
    public const string NoApprover = "no-approver";
    public const string DisagreeingRecheck = "disagreeing-recheck";

    public static readonly string[] All = [JlisQueryWithoutAddress, FewQueryItems, MultipleCandidates, NoSecondChecker, NoApprover, DisagreeingRecheck];

    private static readonly Dictionary<string, string> ItemNames = new(StringComparer.Ordinal)
    {
        ["kanjiName"] = "漢字氏名", ["kanaName"] = "カナ氏名", ["dateOfBirth"] = "生年月日", ["sex"] = "性別", ["address"] = "住所",
    };

    public static string ItemsInJapanese(IEnumerable<string> items) => string.Join("・", items.Select(i => ItemNames.GetValueOrDefault(i, i)));

    /// <summary>Whether the person was found by searching identity items, rather than from a number the person gave.</summary>
    public static bool IsSearch(string method, LinkageEvidence evidence) =>
        method is LinkageMethods.JlisThreeItems or LinkageMethods.JlisFourItems
        || (method == LinkageMethods.ResidentRegistry && evidence.QueryItems.Length > 0);

    public static IReadOnlyList<RiskFactor> Assess(
        string method, LinkageEvidence evidence, int checkerCount, bool approved, IEnumerable<Discrepancy> discrepancies)
    {
        var factors = new List<RiskFactor>();
        if (IsSearch(method, evidence))
        {
            if (!evidence.QueryItems.Contains("address"))
            {
                factors.Add(new RiskFactor(JlisQueryWithoutAddress,
                    $"住所を含まない情報（{ItemsInJapanese(evidence.QueryItems)}）による住基ネット照会で個人番号を取得した"));
            }

            if (evidence.QueryItems.Distinct().Count() < 3)
            {
                factors.Add(new RiskFactor(FewQueryItems, $"3情報未満（{ItemsInJapanese(evidence.QueryItems)}）での検索で個人番号を取得した"));
            }
        }

        if (evidence.CandidateCount > 1)
        {
            factors.Add(new RiskFactor(MultipleCandidates, $"照会の結果、複数の者（{evidence.CandidateCount}人）が該当した"));
        }

        // A re-link made by confirming a mis-linkage is reviewed as part of the incident, not by the registration desk.
        if (method != LinkageMethods.MisLinkageCorrection)
        {
            if (checkerCount == 0)
            {
                factors.Add(new RiskFactor(NoSecondChecker, "複数人による確認が行われていない"));
            }

            if (!approved)
            {
                factors.Add(new RiskFactor(NoApprover, "上長による最終確認（承認）が行われていない"));
            }
        }

        foreach (var d in discrepancies)
        {
            factors.Add(new RiskFactor(DisagreeingRecheck,
                $"定期的・体系的な点検（{d.Method}、{Jst.Date(d.OccurredAt)}）で不一致が検出された" + (string.IsNullOrWhiteSpace(d.Details) ? "" : $"：{d.Details}")));
        }

        return factors;
    }

    /// <summary>The pattern behind most 2023 mis-linkages: an address-less search with several hits and no second check.</summary>
    public static bool Matches2023Pattern(IEnumerable<RiskFactor> factors)
    {
        var codes = factors.Select(f => f.Code).ToHashSet(StringComparer.Ordinal);
        return codes.Contains(JlisQueryWithoutAddress) && codes.Contains(MultipleCandidates) && codes.Contains(NoSecondChecker);
    }
}

/// <summary>
/// The risk of one linkage, kept for every linkage so that a later disagreeing re-check can raise it. Only linkages in
/// force with at least one factor are listed by the risk view, through a partial index.
/// </summary>
public sealed class LinkageRisk
{
    public string Id { get; set; } = "";

    public string InstitutionCode { get; set; } = "";

    public string LocalRecordId { get; set; } = "";

    public string Method { get; set; } = "";

    public LinkageEvidence Evidence { get; set; } = new([], 0, []);

    public int CheckerCount { get; set; }

    public bool Approved { get; set; }

    public DateTimeOffset LinkedAt { get; set; }

    public List<Discrepancy> Discrepancies { get; set; } = [];

    public int AgreedRechecks { get; set; }

    public DateTimeOffset? LastRecheckAt { get; set; }

    public List<RiskFactor> Factors { get; set; } = [];

    public bool Matches2023Pattern { get; set; }

    public bool Active { get; set; }

    public bool AtRisk { get; set; }

    public long SortKey { get; set; }

    public void Reassess()
    {
        Factors = [.. LinkageRiskFactors.Assess(Method, Evidence, CheckerCount, Approved, Discrepancies)];
        Matches2023Pattern = LinkageRiskFactors.Matches2023Pattern(Factors);
        AtRisk = Factors.Count > 0;
    }
}

public sealed class LinkageRiskProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // The risks of linkages made in earlier batches that this batch re-checks or ends, in one round trip (a re-check
        // file brings thousands).
        var made = events.Select(e => e.Data).OfType<SubjectLinked>().Select(e => e.LinkageId).ToHashSet(StringComparer.Ordinal);
        var earlier = events.Select(e => LinkageIdOf(e.Data)).OfType<string>().Where(id => !made.Contains(id)).Distinct(StringComparer.Ordinal).ToArray();
        var risks = earlier.Length == 0
            ? new Dictionary<string, LinkageRisk>(StringComparer.Ordinal)
            : (await operations.LoadManyAsync<LinkageRisk>(cancellation, earlier)).ToDictionary(x => x.Id, StringComparer.Ordinal);

        LinkageRisk? Risk(string linkageId) => risks.GetValueOrDefault(linkageId);

        foreach (var e in events)
        {
            switch (e.Data)
            {
                case SubjectLinked linked:
                {
                    var risk = new LinkageRisk
                    {
                        Id = linked.LinkageId,
                        InstitutionCode = linked.InstitutionCode,
                        LocalRecordId = linked.LocalRecordId,
                        Method = linked.Method,
                        Evidence = linked.Evidence,
                        CheckerCount = linked.CheckerIds.Length,
                        Approved = !string.IsNullOrWhiteSpace(linked.ApproverId),
                        LinkedAt = linked.OccurredAt,
                        Active = true,
                        SortKey = linked.OccurredAt.UtcTicks,
                    };
                    risk.Reassess();
                    risks[linked.LinkageId] = risk;
                    break;
                }

                case LinkageVerified verified when Risk(verified.LinkageId) is { } risk:
                    risk.AgreedRechecks++;
                    risk.LastRecheckAt = verified.OccurredAt;
                    break;

                case LinkageDiscrepancyFound found when Risk(found.LinkageId) is { } risk:
                    risk.Discrepancies.Add(new Discrepancy(found.Method, found.Details, found.OccurredAt));
                    risk.LastRecheckAt = found.OccurredAt;
                    risk.Reassess();
                    break;

                case MisLinkageConfirmed confirmed when Risk(confirmed.LinkageId) is { } risk:
                    risk.Active = false;
                    break;

                case SubjectUnlinked unlinked when Risk(unlinked.LinkageId) is { } risk:
                    risk.Active = false;
                    break;
            }
        }

        foreach (var doc in risks.Values)
        {
            operations.Store(doc);
        }
    }

    private static string? LinkageIdOf(object data) => data switch
    {
        LinkageVerified x => x.LinkageId,
        LinkageDiscrepancyFound x => x.LinkageId,
        MisLinkageConfirmed x => x.LinkageId,
        SubjectUnlinked x => x.LinkageId,
        _ => null,
    };
}
