namespace ProvisionLedger.Tests.Incidents;

/// <summary>The trace as a client reads it (API.md, "Incidents").</summary>
public sealed record TraceAnswer(
    string IncidentId,
    CodeAndNameAnswer Institution,
    string LinkageId,
    string LocalRecordId,
    DateTimeOffset DiscoveredAt,
    string DiscoveredBy,
    DateTimeOffset CorrectedAt,
    bool Relinked,
    string? CorrectedLinkageId,
    int AffectedRecordCount,
    IReadOnlyList<AffectedRecordAnswer> AffectedRecords,
    int AffectedPersonCount,
    AffectedPersonsAnswer AffectedPersons,
    IReadOnlyList<InstitutionRecordsAnswer> ReceivingInstitutions,
    IReadOnlyList<InstitutionRecordsAnswer> InfoItems,
    WindowAnswer ExposureWindow,
    ViewedAnswer ViewedByWrongSubject,
    CauseAnswer Cause,
    PpcReportAnswer PpcReport,
    IReadOnlyList<TimelineAnswer> Timeline);

public sealed record CodeAndNameAnswer(string Code, string Name);

public sealed record AffectedRecordAnswer(
    string ExchangeId, string Role, CodeAndNameAnswer OtherParty, CodeAndNameAnswer Procedure, CodeAndNameAnswer InfoItem,
    DateTimeOffset RequestedAt, DateTimeOffset? ProvidedAt, string? Result, bool InformationProvided, bool AfterDiscovery);

public sealed record NotificationAnswer(string Person, string InstitutionCode, string InstitutionName, IReadOnlyList<string> LocalRecordIds);

public sealed record AffectedPersonsAnswer(
    int Count, bool WronglyLinkedPersonsInformationProvided, bool TrueOwnersInformationProvided, bool TrueOwnerIdentified,
    IReadOnlyList<NotificationAnswer> Notification);

public sealed record InstitutionRecordsAnswer(string Code, string Name, int Records);

public sealed record WindowAnswer(DateTimeOffset From, DateTimeOffset To);

public sealed record PortalViewAnswer(DateTimeOffset ViewedAt, string ViewerKind, int AffectedRecordsShown);

public sealed record ViewedAnswer(
    bool Viewed, IReadOnlyList<DateTimeOffset> ViewTimes, int RecordsSeen, IReadOnlyList<PortalViewAnswer> Views, DateTimeOffset WatchedFrom,
    DateTimeOffset WatchedUntil, int ViewsAfterCorrection);

public sealed record FindingAnswer(string Code, string Description);

public sealed record RecheckAnswer(string Method, bool Agreed, string? Details, DateTimeOffset OccurredAt);

public sealed record LinkageEvidenceAnswer(
    string Method, IReadOnlyList<string> QueryItems, int CandidateCount, IReadOnlyList<string> Documents, int CheckerCount, bool Approved,
    DateTimeOffset LinkedAt, IReadOnlyList<RecheckAnswer> Rechecks);

public sealed record CauseAnswer(string Stated, bool ImproperPurpose, IReadOnlyList<FindingAnswer> Findings, bool Matches2023Pattern, LinkageEvidenceAnswer Linkage);

public sealed record ReportItemAnswer(int Number, string Heading, string Content, string Status);

public sealed record PpcReportAnswer(
    bool Reportable, IReadOnlyList<string> Reasons, DateTimeOffset PreliminaryTargetBy, DateTimeOffset PreliminaryDueBy, DateTimeOffset FinalDueBy,
    int FinalDueDays, IReadOnlyList<ReportItemAnswer> Items);

public sealed record TimelineAnswer(DateTimeOffset At, string Description);

public sealed record IncidentSummaryAnswer(
    string IncidentId, string InstitutionCode, string InstitutionName, string LinkageId, string LocalRecordId, DateTimeOffset LinkedAt,
    DateTimeOffset DiscoveredAt, string DiscoveredBy, string Cause, bool Relinked, int InquirerRecords, int ProviderRecords,
    DateTimeOffset CorrectedAt, DateTimeOffset PreliminaryDueBy, DateTimeOffset FinalDueBy);

public sealed record IncidentPageAnswer(IReadOnlyList<IncidentSummaryAnswer> Items, string? NextCursor);
