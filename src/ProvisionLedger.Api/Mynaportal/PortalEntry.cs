using ProvisionLedger.Api.Parties;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>One record as it may appear in one person's Mynaportal view. Absent from answers while non-disclosed.</summary>
public sealed class PortalEntry
{
    public string Id { get; set; } = "";

    public string SubjectRef { get; set; } = "";

    public string ExchangeId { get; set; } = "";

    public string InquirerCode { get; set; } = "";

    public string ProviderCode { get; set; } = "";

    public string ProcedureCode { get; set; } = "";

    public string InfoItemCode { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ProvidedAt { get; set; }

    public string? Result { get; set; }

    public List<CorrectionEntry> Corrections { get; set; } = [];

    public bool NonDisclosed { get; set; }

    /// <summary>Sides whose 不開示コード is in force; the record is hidden while any is.</summary>
    public List<string> ActiveMarks { get; set; } = [];

    public long SortKey { get; set; }

    public static string IdOf(string subjectRef, string exchangeId) => $"{subjectRef}|{exchangeId}";
}

/// <summary>RecordsViewed: what a person's view showed, to whom, when. Incident responders need every view.</summary>
public sealed record RecordsViewed(string SubjectRef, string ViewerKind, string? ProxyId, string[] RecordIds, string Principal, DateTimeOffset ViewedAt);
