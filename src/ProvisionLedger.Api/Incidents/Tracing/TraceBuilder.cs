using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Incidents.Reporting;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.Linkages.AssessingRisk;
using ProvisionLedger.Api.Mynaportal;
using ProvisionLedger.Api.ReferenceData;

namespace ProvisionLedger.Api.Incidents.Tracing;

/// <summary>
/// Builds the trace from what the ledger holds, with no database access, so its rules read and test as plain code.
/// <list type="bullet">
/// <item>Inquirer-side record with information provided: the wrongly linked person's information reached the institution.</item>
/// <item>Provider-side record with information provided: the true owner's information reached the inquirer.</item>
/// <item>A person is counted once, whatever the number of records; no person is ever named.</item>
/// </list>
/// </summary>
public static class TraceBuilder
{
    public const string WronglyLinkedPerson = "wrongly-linked-person";
    public const string TrueOwner = "true-owner";

    public static readonly IReadOnlyDictionary<string, string> MethodNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [LinkageMethods.ApplicantProvided] = "本人からの個人番号の提供（番号確認・身元確認）",
        [LinkageMethods.JlisFourItems] = "住基ネット照会（基本4情報）",
        [LinkageMethods.JlisThreeItems] = "住基ネット照会（3情報）",
        [LinkageMethods.ResidentRegistry] = "住基システムによる確認",
        [LinkageMethods.EmployerProvided] = "事業主等からの提供",
        [LinkageMethods.MisLinkageCorrection] = "紐付け誤りの訂正",
    };

    public static IncidentTrace Build(
        Incident incident, Linkage linkage, IReadOnlyList<LinkedExchange> made, IReadOnlyList<RecordsViewed> wrongPersonsViews, CodeRegistry codes)
    {
        var linkageId = incident.LinkageId;
        CodeAndName Inst(string code) => new(code, codes.InstitutionName(code));

        var ordered = made.OrderBy(x => x.RequestedAt).ThenBy(x => x.Id, StringComparer.Ordinal).ToList();
        var records = ordered.Select(x =>
        {
            var role = x.RoleOf(linkageId);
            return new AffectedRecord(
                x.Id, role, Inst(role == Sides.Inquirer ? x.ProviderCode : x.InquirerCode),
                new CodeAndName(x.ProcedureCode, codes.ProcedureName(x.ProcedureCode)),
                new CodeAndName(x.InfoItemCode, codes.InfoItemName(x.InfoItemCode)),
                x.RequestedAt, x.ProvidedAt, x.Result, x.Result == ExchangeResults.Provided, x.RequestedAt > incident.DiscoveredAt);
        }).ToList();

        var provided = ordered.Where(x => x.Result == ExchangeResults.Provided).ToList();
        var asInquirer = provided.Where(x => x.RoleOf(linkageId) == Sides.Inquirer).ToList();
        var asProvider = provided.Where(x => x.RoleOf(linkageId) == Sides.Provider).ToList();

        var notification = new List<NotificationTarget>();
        if (asInquirer.Count > 0)
        {
            // The wrongly linked person is known to the providers that answered about them, and to any inquirer that asked
            // the institution about them.
            var holders = asInquirer.Where(x => x.ProviderLocalRecordId is not null).Select(x => (Code: x.ProviderCode, Local: x.ProviderLocalRecordId!))
                .Concat(ordered.Where(x => x.RoleOf(linkageId) == Sides.Provider).Select(x => (Code: x.InquirerCode, Local: x.InquirerLocalRecordId)));
            notification.AddRange(holders.GroupBy(h => h.Code).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
                new NotificationTarget(WronglyLinkedPerson, g.Key, codes.InstitutionName(g.Key), g.Select(h => h.Local).Distinct().Order(StringComparer.Ordinal).ToList())));
        }

        if (asProvider.Count > 0)
        {
            // The local record itself is the true owner's, whether or not their My Number is known yet.
            notification.Add(new NotificationTarget(TrueOwner, incident.InstitutionCode, codes.InstitutionName(incident.InstitutionCode), [incident.LocalRecordId]));
        }

        var persons = new AffectedPersons(
            (asInquirer.Count > 0 ? 1 : 0) + (asProvider.Count > 0 ? 1 : 0), asInquirer.Count > 0, asProvider.Count > 0,
            incident.CorrectSubjectRef is not null, notification);

        var receiving = asInquirer.Select(x => x.InquirerCode).Concat(asProvider.Select(x => x.InquirerCode))
            .GroupBy(c => c).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new InstitutionRecords(g.Key, codes.InstitutionName(g.Key), g.Count())).ToList();
        var items = provided.GroupBy(x => x.InfoItemCode).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new InfoItemRecords(g.Key, codes.InfoItemName(g.Key), g.Count())).ToList();

        var viewed = Views(incident, ordered.Select(x => x.Id).ToHashSet(StringComparer.Ordinal), wrongPersonsViews);
        var cause = CauseOf(incident, linkage);
        var trace = new IncidentTrace(
            incident.Id, Inst(incident.InstitutionCode), linkageId, incident.LocalRecordId, incident.DiscoveredAt, incident.DiscoveredBy,
            incident.CorrectedAt, incident.CorrectedLinkageId is not null, incident.CorrectedLinkageId,
            records.Count, records, persons.Count, persons, receiving, items,
            new ExposureWindow(incident.LinkedAt, incident.DiscoveredAt), viewed, cause,
            null!, []);
        trace = trace with { Timeline = Timeline(trace, incident) };
        return trace with { PpcReport = PpcReportDraft.Build(trace, incident.RecordsAttributed) };
    }

    private static ViewedByWrongSubject Views(Incident incident, HashSet<string> affected, IReadOnlyList<RecordsViewed> views)
    {
        var inWindow = new List<PortalView>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var after = 0;
        foreach (var view in views.Where(v => v.ViewedAt >= incident.LinkedAt).OrderBy(v => v.ViewedAt))
        {
            var shown = view.RecordIds.Where(affected.Contains).ToList();
            if (shown.Count == 0)
            {
                continue;
            }

            if (view.ViewedAt > incident.CorrectedAt)
            {
                after++;
                continue;
            }

            inWindow.Add(new PortalView(view.ViewedAt, view.ViewerKind, shown.Count));
            seen.UnionWith(shown);
        }

        return new ViewedByWrongSubject(inWindow.Count > 0, inWindow.Select(v => v.ViewedAt).ToList(), seen.Count, inWindow,
            incident.LinkedAt, incident.CorrectedAt, after);
    }

    private static IncidentCause CauseOf(Incident incident, Linkage linkage)
    {
        var discrepancies = linkage.Checks.Where(c => !c.Agreed).Select(c => new Discrepancy(c.Method, c.Details, c.OccurredAt));
        var factors = LinkageRiskFactors.Assess(linkage.Method, linkage.Evidence, linkage.CheckerIds.Length,
            !string.IsNullOrWhiteSpace(linkage.ApproverId), discrepancies);
        var evidence = new LinkageEvidenceSummary(linkage.Method, linkage.Evidence.QueryItems, linkage.Evidence.CandidateCount,
            linkage.Evidence.Documents, linkage.CheckerIds.Length, !string.IsNullOrWhiteSpace(linkage.ApproverId), linkage.LinkedAt,
            linkage.Checks.Select(c => new Recheck(c.Method, c.Agreed, c.Details, c.OccurredAt)).ToList());
        return new IncidentCause(incident.Cause, incident.ImproperPurpose, factors.Select(f => new CauseFinding(f.Code, f.Description)).ToList(),
            LinkageRiskFactors.Matches2023Pattern(factors), evidence);
    }

    private static List<TimelineEntry> Timeline(IncidentTrace trace, Incident incident)
    {
        var l = trace.Cause.Linkage;
        var entries = new List<TimelineEntry>
        {
            new(l.LinkedAt, $"紐付け（{MethodNames.GetValueOrDefault(l.Method, l.Method)}"
                            + (l.QueryItems.Count > 0 ? $"、照会項目：{LinkageRiskFactors.ItemsInJapanese(l.QueryItems)}" : "")
                            + $"、該当{l.CandidateCount}人、確認者{l.CheckerCount}人、上長承認{(l.Approved ? "あり" : "なし")}）"),
        };
        entries.AddRange(l.Rechecks.Select(r => new TimelineEntry(r.OccurredAt, $"定期点検（{r.Method}）：{(r.Agreed ? "一致" : "不一致")}")));
        if (trace.AffectedRecords.Count > 0)
        {
            var first = trace.AffectedRecords[0];
            var last = trace.AffectedRecords[^1];
            entries.Add(new TimelineEntry(first.RequestedAt, $"誤った紐付けの下での最初の情報連携（{first.ExchangeId}、{RoleName(first.Role)}）"));
            if (trace.AffectedRecords.Count > 1)
            {
                entries.Add(new TimelineEntry(last.RequestedAt,
                    $"誤った紐付けの下での最後の情報連携（{last.ExchangeId}、{RoleName(last.Role)}）：計{trace.AffectedRecords.Count}件"));
            }
        }

        entries.AddRange(trace.ViewedByWrongSubject.Views.Select(v => new TimelineEntry(v.ViewedAt,
            $"誤って紐付けられた者のマイナポータル閲覧（{(v.ViewerKind == "proxy" ? "代理人" : "本人")}）：影響記録{v.AffectedRecordsShown}件を表示")));
        entries.Add(new TimelineEntry(trace.DiscoveredAt, $"紐付け誤りの発見（{trace.DiscoveredBy}）"));
        entries.Add(new TimelineEntry(trace.CorrectedAt,
            $"誤った紐付けの終了、{trace.AffectedRecordCount}件の記録に追記"
            + (trace.Relinked ? $"、正しい本人への紐付け、{incident.RecordsAttributed}件の記録を情報の本人に帰属" : "（正しい本人は未特定）")));
        return entries.OrderBy(e => e.At).ToList();
    }

    public static string RoleName(string role) => role == Sides.Provider ? "提供者として" : "照会者として";

    public static string ResultName(string? result) => result switch
    {
        ExchangeResults.Provided => "提供",
        ExchangeResults.NoData => "該当なし",
        ExchangeResults.Error => "エラー",
        _ => "未提供",
    };
}
