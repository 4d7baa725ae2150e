using System.Globalization;
using System.Net;
using System.Text;
using ProvisionLedger.Api.Incidents.Tracing;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Incidents.Reporting;

/// <summary>
/// The draft report as a printable Japanese HTML document. Every value passes through <see cref="E"/>: causes, staff ids
/// and exchange ids come from callers and must not become markup.
/// </summary>
public static class ReportDocument
{
    /// <summary>
    /// The report's own stylesheet, inline so that the document prints on its own. The web pages' Content-Security-Policy
    /// allows exactly this text by its hash, since the incident console shows the report in a window it opens.
    /// </summary>
    public const string Style = """
        body { font-family: "Noto Sans JP", "Hiragino Kaku Gothic ProN", "Yu Gothic", sans-serif; margin: 2em; line-height: 1.6; color: #111; }
        h1 { font-size: 1.4em; border-bottom: 2px solid #333; padding-bottom: .3em; }
        h2 { font-size: 1.15em; margin-top: 1.6em; }
        table { border-collapse: collapse; width: 100%; margin: .5em 0; }
        th, td { border: 1px solid #666; padding: .3em .5em; vertical-align: top; text-align: left; }
        th { background: #eee; white-space: nowrap; }
        .content { white-space: pre-wrap; }
        .status { white-space: nowrap; }
        .todo { color: #b00; font-weight: bold; }
        .meta td { border: none; padding: .1em .5em; }
        @media print { body { margin: 0; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
        """;

    public static string Render(IncidentTrace trace)
    {
        var r = trace.PpcReport;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(E($"漏えい等報告（速報／確報）案 {trace.IncidentId}")).Append("</title>\n<style>").Append(Style).Append("</style>\n</head>\n<body>\n");
        html.Append("<p>個人情報保護委員会 宛</p>\n<h1>漏えい等報告（速報／確報）案</h1>\n");
        html.Append("<table class=\"meta\">\n");
        Meta(html, "報告者", trace.Institution.Name);
        Meta(html, "事案", $"紐付け誤り（インシデント番号 {trace.IncidentId}）");
        Meta(html, "発見日時", Jst.DateTime(trace.DiscoveredAt));
        Meta(html, "報告区分", "□ 速報　□ 確報");
        Meta(html, "報告対象", r.Reportable ? "該当する" : "該当しない可能性がある（要確認）");
        Meta(html, "速報の目標", $"{Jst.Date(r.PreliminaryTargetBy)}（発見から{PpcReportDraft.PreliminaryTargetDays}日）");
        Meta(html, "速報の期限", $"{Jst.Date(r.PreliminaryDueBy)}（発見から{PpcReportDraft.PreliminaryDueDays}日）");
        Meta(html, "確報の期限", $"{Jst.Date(r.FinalDueBy)}（発見から{r.FinalDueDays}日）");
        html.Append("</table>\n");

        html.Append("<h2>報告対象に該当するか</h2>\n<ul>\n");
        foreach (var reason in r.Reasons)
        {
            html.Append("<li>").Append(E(reason)).Append("</li>\n");
        }

        html.Append("</ul>\n<h2>報告事項</h2>\n<table>\n<thead><tr><th>項目</th><th>内容</th><th>状態</th></tr></thead>\n<tbody>\n");
        foreach (var item in r.Items)
        {
            html.Append("<tr><th>").Append(item.Number.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(E(item.Heading))
                .Append("</th><td class=\"content\">").Append(Content(item.Content))
                .Append("</td><td class=\"status\">").Append(E(item.Status)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n");

        html.Append("<h2>影響を受けた情報提供等の記録（").Append(trace.AffectedRecordCount.ToString(CultureInfo.InvariantCulture)).Append("件）</h2>\n")
            .Append("<table>\n<thead><tr><th>処理番号</th><th>当機関の立場</th><th>相手機関</th><th>事務手続</th><th>特定個人情報の項目</th>")
            .Append("<th>照会日時</th><th>提供日時</th><th>結果</th></tr></thead>\n<tbody>\n");
        foreach (var rec in trace.AffectedRecords)
        {
            html.Append("<tr><td>").Append(E(rec.ExchangeId))
                .Append("</td><td>").Append(E(rec.Role == "provider" ? "情報提供者" : "情報照会者"))
                .Append("</td><td>").Append(E(rec.OtherParty.Name))
                .Append("</td><td>").Append(E(rec.Procedure.Name))
                .Append("</td><td>").Append(E(rec.InfoItem.Name))
                .Append("</td><td>").Append(E(Jst.DateTime(rec.RequestedAt)))
                .Append("</td><td>").Append(E(rec.ProvidedAt is { } p ? Jst.DateTime(p) : "—"))
                .Append("</td><td>").Append(E(TraceBuilder.ResultName(rec.Result)))
                .Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n<h2>経過</h2>\n<table>\n<thead><tr><th>日時</th><th>事項</th></tr></thead>\n<tbody>\n");
        foreach (var entry in trace.Timeline)
        {
            html.Append("<tr><td>").Append(E(Jst.DateTime(entry.At))).Append("</td><td>").Append(E(entry.Description)).Append("</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n<p>本書は情報提供等の記録の台帳から作成した案であり、")
            .Append("<span class=\"todo\">").Append(E(PpcReportDraft.ToComplete)).Append("</span>の箇所は報告者が記入する。")
            .Append("本人を特定する情報（個人番号、宛名番号等）は記載していない。</p>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Meta(StringBuilder html, string label, string value) =>
        html.Append("<tr><th>").Append(E(label)).Append("</th><td>").Append(E(value)).Append("</td></tr>\n");

    /// <summary>Encodes the text, then highlights the to-complete marks, which are the draft's own.</summary>
    private static string Content(string text) =>
        E(text).Replace(E(PpcReportDraft.ToComplete), $"<span class=\"todo\">{E(PpcReportDraft.ToComplete)}</span>", StringComparison.Ordinal);

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
}
