using System.Text;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages.AssessingRisk;

namespace ProvisionLedger.Api.Incidents.Reporting;

/// <summary>
/// The draft 漏えい等報告 to the Personal Information Protection Commission (番号法 第29条の4 and the PPC rule under it):
/// whether the incident is reportable, the due dates, and the nine items, filled from the ledger where it knows and
/// marked 【要記入】 where only the institution can say.
/// </summary>
public static class PpcReportDraft
{
    public const string ToComplete = "【要記入】";
    public const string Filled = "記入済";
    public const string PartlyFilled = "一部要記入";
    public const string NotFilled = "要記入";

    /// <summary>"Promptly" is read as 3 to 5 days from discovery (SPEC §7).</summary>
    public const int PreliminaryTargetDays = 3;
    public const int PreliminaryDueDays = 5;
    public const int FinalDueDays = 30;
    public const int FinalDueDaysImproperPurpose = 60;

    /// <summary>More persons than this make a leak reportable on their own.</summary>
    public const int PersonThreshold = 100;

    public static readonly string[] Headings =
    [
        "概要", "特定個人情報の項目", "本人の数", "原因", "二次被害又はそのおそれの有無及びその内容", "本人への対応の実施状況", "公表の実施状況",
        "再発防止のための措置", "その他参考となる事項",
    ];

    public static PpcReport Build(IncidentTrace trace, int recordsAttributed)
    {
        var providedCount = trace.AffectedRecords.Count(r => r.InformationProvided);
        var reasons = new List<string>();
        if (providedCount > 0)
        {
            reasons.Add("情報提供ネットワークシステムを通じて特定個人情報が提供された（情報提供ネットワークシステム及びこれに接続する電子計算機からの漏えいは、本人の数にかかわらず報告対象）");
        }

        if (trace.AffectedPersonCount > PersonThreshold)
        {
            reasons.Add($"漏えいした特定個人情報の本人の数が{PersonThreshold}人を超える");
        }

        if (trace.Cause.ImproperPurpose)
        {
            reasons.Add("不正の目的をもって行われたおそれがある");
        }

        var reportable = reasons.Count > 0;
        if (!reportable)
        {
            reasons.Add("情報提供ネットワークシステムを通じて特定個人情報が提供された記録はない（照会結果が該当なし・エラーのみ、又は情報連携なし）。報告対象に当たらない可能性があるが、要否を確認すること。制度所管省庁への報告は必要");
        }

        var discovered = trace.DiscoveredAt.ToOffset(Jst.Offset);
        var finalDays = trace.Cause.ImproperPurpose ? FinalDueDaysImproperPurpose : FinalDueDays;
        var report = new PpcReport(reportable, reasons, discovered.AddDays(PreliminaryTargetDays), discovered.AddDays(PreliminaryDueDays),
            discovered.AddDays(finalDays), finalDays, []);
        return report with { Items = Items(trace, report, providedCount, recordsAttributed) };
    }

    private static List<PpcReportItem> Items(IncidentTrace trace, PpcReport report, int providedCount, int recordsAttributed)
    {
        var inst = trace.Institution.Name;
        var l = trace.Cause.Linkage;
        var asInquirer = trace.AffectedRecords.Count(r => r.Role == "inquirer");
        var asProvider = trace.AffectedRecords.Count - asInquirer;
        var method = TraceBuilder.MethodNames.GetValueOrDefault(l.Method, l.Method);

        var summary = new StringBuilder()
            .Append(inst).Append("において、当機関の記録（宛名番号等）が").Append(Jst.DateTime(trace.ExposureWindow.From)).Append("から")
            .Append(Jst.DateTime(trace.ExposureWindow.To)).Append("まで、本人とは異なる者の個人番号に誤って紐付けられていた（紐付けの方法：")
            .Append(method).Append("）。この誤った紐付けの下で、情報提供ネットワークシステムを通じた情報連携が").Append(trace.AffectedRecordCount)
            .Append("件（照会").Append(asInquirer).Append("件、提供").Append(asProvider).Append("件）行われ、うち").Append(providedCount)
            .Append("件で特定個人情報が提供された。").Append(Jst.DateTime(trace.DiscoveredAt)).Append('、').Append(trace.DiscoveredBy)
            .Append("が紐付け誤りを発見し、").Append(Jst.DateTime(trace.CorrectedAt)).Append("に誤った紐付けを終了して、該当する全ての情報提供等の記録に追記した")
            .Append(trace.Relinked ? "。当該記録は正しい本人の個人番号に紐付け直した。" : "。正しい本人の個人番号は特定されていない。")
            .Append("\n発見の経緯：").Append(ToComplete);

        var itemText = trace.InfoItems.Count == 0
            ? "情報提供ネットワークシステムを通じて提供された特定個人情報はない。"
            : string.Join("、", trace.InfoItems.Select(i => $"{i.Name}（{i.Records}件）"));

        var p = trace.AffectedPersons;
        var persons = new StringBuilder().Append(trace.AffectedPersonCount).Append('人');
        if (trace.AffectedPersonCount > 0)
        {
            persons.Append("（内訳：");
            var parts = new List<string>();
            if (p.WronglyLinkedPersonsInformationProvided)
            {
                parts.Add($"誤って紐付けられた者の情報が照会により{inst}に提供された者 1人");
            }

            if (p.TrueOwnersInformationProvided)
            {
                parts.Add($"{inst}の記録の本人で、その情報が他人の情報として提供された者 1人" + (p.TrueOwnerIdentified ? "" : "（個人番号は未特定）"));
            }

            persons.Append(string.Join("、", parts)).Append('）');
        }

        var cause = new StringBuilder().Append(trace.Cause.Stated);
        if (trace.Cause.Findings.Count > 0)
        {
            cause.Append("\n紐付けの記録から判明した事項：");
            foreach (var f in trace.Cause.Findings)
            {
                cause.Append("\n・").Append(f.Description);
            }
        }

        if (trace.Cause.Matches2023Pattern)
        {
            cause.Append("\n（令和5年の総点検で多く見られた、住所を含まない照会で複数該当した者を追加確認なく紐付けた事例と同じ態様）");
        }

        var v = trace.ViewedByWrongSubject;
        var secondary = new StringBuilder();
        secondary.Append(v.Viewed
            ? $"誤って紐付けられた者のマイナポータルで、訂正までの間に影響を受けた記録{v.RecordsSeen}件が{v.ViewTimes.Count}回表示された（{string.Join("、", v.ViewTimes.Select(Jst.DateTime))}）。"
            : "誤って紐付けられた者のマイナポータルで、訂正までの間に影響を受けた記録が表示された記録はない（本台帳は全ての閲覧を記録している）。");
        if (trace.ReceivingInstitutions.Count > 0)
        {
            secondary.Append("\n情報を受領した機関：").Append(string.Join("、", trace.ReceivingInstitutions.Select(r => $"{r.Name}（{r.Records}件）"))).Append('。');
        }

        secondary.Append("\n受領機関における誤った情報に基づく決定・給付等の有無、不正利用の有無：").Append(ToComplete);

        var response = new StringBuilder()
            .Append("通知の対象：").Append(trace.AffectedPersonCount).Append("人（各機関が保有する宛名番号等により特定済み。本報告には記載しない）。")
            .Append("\n通知の実施日・方法、問い合わせ窓口：").Append(ToComplete);

        var measures = new StringBuilder().Append("実施済み・実施予定の措置：").Append(ToComplete).Append("\n紐付けの記録から考えられる措置（案）：");
        foreach (var m in Measures(trace.Cause.Findings.Select(f => f.Code)))
        {
            measures.Append("\n・").Append(m);
        }

        var other = new StringBuilder()
            .Append("インシデント番号：").Append(trace.IncidentId)
            .Append("\n紐付けの期間：").Append(Jst.DateTime(trace.ExposureWindow.From)).Append('〜').Append(Jst.DateTime(trace.ExposureWindow.To))
            .Append("\n追記した情報提供等の記録：").Append(trace.AffectedRecordCount).Append("件（記録は削除・修正せず追記）");
        if (trace.Relinked)
        {
            other.Append("\n情報の本人のマイナポータルにも表示されるようにした記録：").Append(recordsAttributed).Append('件');
        }

        other.Append("\n速報の目標：").Append(Jst.Date(report.PreliminaryTargetBy)).Append("（発見から").Append(PreliminaryTargetDays).Append("日）、速報の期限：")
            .Append(Jst.Date(report.PreliminaryDueBy)).Append("（同").Append(PreliminaryDueDays).Append("日）、確報の期限：").Append(Jst.Date(report.FinalDueBy))
            .Append("（同").Append(report.FinalDueDays).Append("日）")
            .Append("\n制度所管省庁への報告：").Append(ToComplete);

        return
        [
            new(1, Headings[0], summary.ToString(), PartlyFilled),
            new(2, Headings[1], itemText, Filled),
            new(3, Headings[2], persons.ToString(), Filled),
            new(4, Headings[3], cause.ToString(), Filled),
            new(5, Headings[4], secondary.ToString(), PartlyFilled),
            new(6, Headings[5], response.ToString(), PartlyFilled),
            new(7, Headings[6], "公表の有無、公表日及び方法：" + ToComplete, NotFilled),
            new(8, Headings[7], measures.ToString(), NotFilled),
            new(9, Headings[8], other.ToString(), PartlyFilled),
        ];
    }

    /// <summary>Measures suggested by the guideline (seeds/002) for what the linkage evidence shows.</summary>
    private static IEnumerable<string> Measures(IEnumerable<string> findings)
    {
        var codes = findings.ToHashSet(StringComparer.Ordinal);
        if (codes.Contains(LinkageRiskFactors.JlisQueryWithoutAddress) || codes.Contains(LinkageRiskFactors.FewQueryItems))
        {
            yield return "申請時に本人から個人番号の提供を受けることを原則とし、住基ネット照会は住所を含む基本4情報で行う";
        }

        if (codes.Contains(LinkageRiskFactors.MultipleCandidates))
        {
            yield return "照会で複数の者が該当した場合は、電話・郵送・訪問、戸籍の附票等の追加情報で本人を特定してから紐付ける";
        }

        if (codes.Contains(LinkageRiskFactors.NoSecondChecker) || codes.Contains(LinkageRiskFactors.NoApprover))
        {
            yield return "紐付けは複数人で確認し、上長が最終確認を行い、その記録を残す";
        }

        if (codes.Contains(LinkageRiskFactors.DisagreeingRecheck))
        {
            yield return "定期点検で不一致が出た紐付けは直ちに調査し、確認までの間は情報連携に用いない";
        }

        yield return "定期的・体系的な点検（住基ネット照会による突合）を継続し、同じ方法で行われた他の紐付けを点検する";
    }
}
