namespace ProvisionLedger.Api.Exchanges;

public sealed record ExchangeAccepted(string ExchangeId);

public sealed record InquiryPeriod(DateOnly? From, DateOnly? To);

public sealed record NonDisclosureMark(string Reason);

/// <summary>情報照会. The subject is the person the inquirer's local record was linked to at that moment.</summary>
public sealed record InquiryMade(
    string ExchangeId,
    string InquirerCode,
    string ProviderCode,
    string ProcedureCode,
    string InfoItemCode,
    string InquirerLocalRecordId,
    string InquirerLinkageId,
    string SubjectRef,
    string InquirerSubjectCode,
    InquiryPeriod? Period,
    NonDisclosureMark? NonDisclosure,
    string RequestFingerprint,
    DateTimeOffset RequestedAt);

/// <summary>情報提供. The ledger records the provision and a digest of what was provided, never the data.</summary>
public sealed record InformationProvided(
    string ExchangeId,
    string ProviderLocalRecordId,
    string ProviderLinkageId,
    string ProviderSubjectCode,
    string Result,
    string? ErrorCode,
    string? PayloadDigest,
    NonDisclosureMark? NonDisclosure,
    string RequestFingerprint,
    DateTimeOffset ProvidedAt);

/// <summary>不開示コード set on one record, by one side (inquirer, provider or the network system).</summary>
public sealed record NonDisclosureSet(string ExchangeId, string Side, string Reason, string By, string RequestFingerprint, DateTimeOffset OccurredAt);

public sealed record NonDisclosureLifted(string ExchangeId, string Side, string By, string? Note, string RequestFingerprint, DateTimeOffset OccurredAt);

/// <summary>追記: appended to a record; the original stays as it was.</summary>
public sealed record CorrectionAppended(
    string ExchangeId,
    string CorrectionId,
    string Kind,
    string Note,
    string By,
    string? IncidentId,
    string RequestFingerprint,
    DateTimeOffset OccurredAt);

/// <summary>
/// After a confirmed mis-linkage: the person whose information was actually provided is attributed the record too,
/// so it reaches their Mynaportal view.
/// </summary>
public sealed record RecordAttributedToSubject(string ExchangeId, string SubjectRef, string IncidentId, string Reason, DateTimeOffset OccurredAt);

public static class ExchangeResults
{
    public const string Provided = "provided";
    public const string NoData = "no-data";
    public const string Error = "error";

    public static readonly string[] All = [Provided, NoData, Error];
}

public static class CorrectionKinds
{
    public const string WrongSubject = "wrong-subject";
    public const string WrongProcedure = "wrong-procedure";
    public const string MisLinkage = "mis-linkage";
    public const string Other = "other";

    public static readonly string[] All = [WrongSubject, WrongProcedure, MisLinkage, Other];
}

public static class NonDisclosureReasons
{
    public static readonly string[] All = ["dv", "abuse", "other"];
}

public static class Sides
{
    public const string Inquirer = "inquirer";
    public const string Provider = "provider";
    public const string Nws = "nws";

    public static readonly string[] All = [Inquirer, Provider, Nws];
}

public static class ExchangeKeys
{
    /// <summary>One stream per NWS transaction number: the natural key makes a duplicate recognisable.</summary>
    public static string Stream(string exchangeId) => $"exchange:{exchangeId}";
}

/// <summary>The slim write model of one exchange: what the decisions need.</summary>
public sealed class ExchangeState
{
    /// <summary>The stream key; Marten's live aggregation (<c>FetchForWriting</c>) needs an identity.</summary>
    public string Id { get; set; } = "";

    public string ExchangeId { get; set; } = "";

    public string InquirerCode { get; set; } = "";

    public string ProviderCode { get; set; } = "";

    public string SubjectRef { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public string InquiryFingerprint { get; set; } = "";

    public string? ProvisionFingerprint { get; set; }

    public Dictionary<string, string> ActiveMarks { get; set; } = [];

    public Dictionary<string, string> LastLifts { get; set; } = [];

    public Dictionary<string, string> CorrectionsByFingerprint { get; set; } = [];

    public bool Provided => ProvisionFingerprint is not null;

    public void Apply(InquiryMade e)
    {
        ExchangeId = e.ExchangeId;
        InquirerCode = e.InquirerCode;
        ProviderCode = e.ProviderCode;
        SubjectRef = e.SubjectRef;
        RequestedAt = e.RequestedAt;
        InquiryFingerprint = e.RequestFingerprint;
        if (e.NonDisclosure is not null)
        {
            ActiveMarks[Sides.Inquirer] = e.RequestFingerprint;
        }
    }

    public void Apply(InformationProvided e)
    {
        ProvisionFingerprint = e.RequestFingerprint;
        if (e.NonDisclosure is not null)
        {
            ActiveMarks[Sides.Provider] = e.RequestFingerprint;
        }
    }

    public void Apply(NonDisclosureSet e) => ActiveMarks[e.Side] = e.RequestFingerprint;

    public void Apply(NonDisclosureLifted e)
    {
        ActiveMarks.Remove(e.Side);
        LastLifts[e.Side] = e.RequestFingerprint;
    }

    public void Apply(CorrectionAppended e) => CorrectionsByFingerprint[e.RequestFingerprint] = e.CorrectionId;

    /// <summary>The side an institution acts on, or null when it is not a party to this exchange.</summary>
    public string? SideOf(Infrastructure.Actor actor) =>
        actor.Role == Infrastructure.Roles.Nws ? Sides.Nws
        : actor.InstitutionCode == InquirerCode ? Sides.Inquirer
        : actor.InstitutionCode == ProviderCode ? Sides.Provider
        : null;
}

/// <summary>
/// A 一括照会 file was recorded: every line became an inquiry (<see cref="InquiryMade"/>) in the same transaction, with
/// the exchange id <c>{FileId}-{line, 5 digits}</c>. The file itself is not kept, only its digest.
/// </summary>
public sealed record InquiryFileReceived(
    string FileId,
    string InquirerCode,
    string Sha256,
    string Charset,
    long Bytes,
    int Lines,
    int Recorded,
    DateTimeOffset ReceivedAt);

public static class InquiryFileKeys
{
    /// <summary>The hex digits of the file's SHA-256 in its id: 96 bits, enough that two files never share one.</summary>
    public const int DigestDigits = 24;

    /// <summary><c>IF-{inquirer}-{first 24 hex digits of the file's SHA-256}</c>: the same file from the same institution is the same file.</summary>
    public static string FileId(string inquirerCode, string sha256Hex) => $"IF-{inquirerCode}-{sha256Hex[..DigestDigits]}";

    /// <summary>The exchange id of a file's line: <c>IF-131016-9f86d081884c7d659a2feaa0-00017</c> for line 17.</summary>
    public static string ExchangeId(string fileId, int line) => $"{fileId}-{line:D5}";

    public static string Stream(string fileId) => $"inquiry-file:{fileId}";
}
