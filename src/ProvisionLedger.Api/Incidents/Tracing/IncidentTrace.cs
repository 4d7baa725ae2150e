namespace ProvisionLedger.Api.Incidents.Tracing;

public sealed record CodeAndName(string Code, string Name);

/// <summary>One record made under the wrong linkage, from the institution's side of it.</summary>
public sealed record AffectedRecord(
    string ExchangeId,
    string Role,
    CodeAndName OtherParty,
    CodeAndName Procedure,
    CodeAndName InfoItem,
    DateTimeOffset RequestedAt,
    DateTimeOffset? ProvidedAt,
    string? Result,
    bool InformationProvided,
    bool AfterDiscovery);

public sealed record InstitutionRecords(string Code, string Name, int Records);

public sealed record InfoItemRecords(string Code, string Name, int Records);

public sealed record ExposureWindow(DateTimeOffset From, DateTimeOffset To);

public sealed record PortalView(DateTimeOffset ViewedAt, string ViewerKind, int AffectedRecordsShown);

/// <summary>
/// Whether the wrongly linked person's Mynaportal view showed any affected record, from the linkage until the ledger
/// corrected the records. Every view is kept (RecordsViewed), so "no" here means no view, not "no log".
/// </summary>
public sealed record ViewedByWrongSubject(
    bool Viewed,
    IReadOnlyList<DateTimeOffset> ViewTimes,
    int RecordsSeen,
    IReadOnlyList<PortalView> Views,
    DateTimeOffset WatchedFrom,
    DateTimeOffset WatchedUntil,
    int ViewsAfterCorrection);

/// <summary>
/// Where an affected person can be reached for notification: the local record ids that institution keeps for them.
/// <c>Person</c> is a role, never a name: <c>wrongly-linked-person</c> or <c>true-owner</c>.
/// </summary>
public sealed record NotificationTarget(string Person, string InstitutionCode, string InstitutionName, IReadOnlyList<string> LocalRecordIds);

public sealed record AffectedPersons(
    int Count,
    bool WronglyLinkedPersonsInformationProvided,
    bool TrueOwnersInformationProvided,
    bool TrueOwnerIdentified,
    IReadOnlyList<NotificationTarget> Notification);

public sealed record CauseFinding(string Code, string Description);

public sealed record Recheck(string Method, bool Agreed, string? Details, DateTimeOffset OccurredAt);

public sealed record LinkageEvidenceSummary(
    string Method,
    IReadOnlyList<string> QueryItems,
    int CandidateCount,
    IReadOnlyList<string> Documents,
    int CheckerCount,
    bool Approved,
    DateTimeOffset LinkedAt,
    IReadOnlyList<Recheck> Rechecks);

public sealed record IncidentCause(string Stated, bool ImproperPurpose, IReadOnlyList<CauseFinding> Findings, bool Matches2023Pattern, LinkageEvidenceSummary Linkage);

/// <summary>One of the nine items of a 漏えい等報告; <c>Status</c> is 記入済, 一部要記入 or 要記入.</summary>
public sealed record PpcReportItem(int Number, string Heading, string Content, string Status);

public sealed record PpcReport(
    bool Reportable,
    IReadOnlyList<string> Reasons,
    DateTimeOffset PreliminaryTargetBy,
    DateTimeOffset PreliminaryDueBy,
    DateTimeOffset FinalDueBy,
    int FinalDueDays,
    IReadOnlyList<PpcReportItem> Items);

public sealed record TimelineEntry(DateTimeOffset At, string Description);

/// <summary>
/// SPEC §4: the trace of a confirmed mis-linkage. Holds no My Number, subject ref or 機関別符号. Over HTTP,
/// <see cref="AffectedRecords"/> is a page (in order of request time and exchange id) and <see cref="NextCursor"/> reads the
/// next one; every count and summary is over all of them.
/// </summary>
public sealed record IncidentTrace(
    string IncidentId,
    CodeAndName Institution,
    string LinkageId,
    string LocalRecordId,
    DateTimeOffset DiscoveredAt,
    string DiscoveredBy,
    DateTimeOffset CorrectedAt,
    bool Relinked,
    string? CorrectedLinkageId,
    int AffectedRecordCount,
    IReadOnlyList<AffectedRecord> AffectedRecords,
    int AffectedPersonCount,
    AffectedPersons AffectedPersons,
    IReadOnlyList<InstitutionRecords> ReceivingInstitutions,
    IReadOnlyList<InfoItemRecords> InfoItems,
    ExposureWindow ExposureWindow,
    ViewedByWrongSubject ViewedByWrongSubject,
    IncidentCause Cause,
    PpcReport PpcReport,
    IReadOnlyList<TimelineEntry> Timeline)
{
    public string? NextCursor { get; init; }
}
