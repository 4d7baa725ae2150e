using System.Text.Json.Serialization;
using ProvisionLedger.Api.Auditing.ReadAccess;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Mynaportal;

/// <summary>
/// One record as it may appear in one person's Mynaportal view. Absent from answers while non-disclosed. Stored compactly
/// (<see cref="StoredJson"/>): the id and the retention key are derived from the members kept, and the persons
/// are stored only after a re-attribution.
/// </summary>
public sealed class PortalEntry : IJsonOnDeserialized
{
    [NotStored]
    public string Id => IdOf(SubjectRef, ExchangeId);

    public string SubjectRef { get; set; } = "";

    public string ExchangeId { get; set; } = "";

    public string InquirerCode { get; set; } = "";

    public string ProviderCode { get; set; } = "";

    public string ProcedureCode { get; set; } = "";

    public string InfoItemCode { get; set; } = "";

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ProvidedAt { get; set; }

    public string? Result { get; set; }

    [StoredWhenNotEmpty]
    public List<CorrectionEntry> Corrections { get; set; } = [];

    public bool NonDisclosed { get; set; }

    /// <summary>Sides whose 不開示コード is in force; the record is hidden while any is.</summary>
    [StoredWhenNotEmpty]
    public List<string> ActiveMarks { get; set; } = [];

    public long SortKey { get; set; }

    /// <summary>
    /// Every person the record is, or was, about: the inquiry's subject and anyone it was attributed to after a
    /// mis-linkage. The view hides the record from every viewer while any of them is protected, so re-attribution
    /// cannot show one person the institution that serves another, protected, person. Stored only when it names someone
    /// besides <see cref="SubjectRef"/> (the search reads a missing list as the entry's own person, as it did for entries
    /// kept before this list existed).
    /// </summary>
    [StoredWhen(nameof(NamesOthers))]
    public List<string> Persons { get; set; } = [];

    public bool NamesOthers() => Persons.Exists(p => p != SubjectRef);

    void IJsonOnDeserialized.OnDeserialized()
    {
        if (Persons.Count == 0 && SubjectRef.Length > 0)
        {
            Persons.Add(SubjectRef);
        }
    }

    /// <summary>When the ledger recorded the inquiry (the event's recording time).</summary>
    public DateTimeOffset RecordedAt { get; set; }

    /// <summary>
    /// UTC ticks of the later of business time and recording time: the portal's 7-year window counts from it, so a record
    /// recorded late is not hidden from the person by its early business time.
    /// </summary>
    [NotStored]
    public long RetentionKey => Math.Max(SortKey, RecordedAt.UtcTicks);

    public static string IdOf(string subjectRef, string exchangeId) => $"{subjectRef}|{exchangeId}";

    /// <summary>The entries' table, written set-based by <see cref="PortalProjection"/> (columns as LedgerStore duplicates them).</summary>
    public static readonly DocumentRows<PortalEntry> Rows = new(
        "mt_doc_portalentry", x => x.Id,
        new DuplicatedColumn<PortalEntry>("subject_ref", "varchar", r => r.Select(x => x.SubjectRef).ToArray()),
        new DuplicatedColumn<PortalEntry>("exchange_id", "varchar", r => r.Select(x => x.ExchangeId).ToArray()),
        new DuplicatedColumn<PortalEntry>("sort_key", "bigint", r => r.Select(x => x.SortKey).ToArray()),
        new DuplicatedColumn<PortalEntry>("non_disclosed", "boolean", r => r.Select(x => x.NonDisclosed).ToArray()),
        new DuplicatedColumn<PortalEntry>("retention_key", "bigint", r => r.Select(x => x.RetentionKey).ToArray()));
}

/// <summary>
/// RecordsViewed: what a person's view showed, to whom, when. Incident responders need every view. A read of the
/// person's records too, which the access log enters (<see cref="PortalViews.AccessEntry"/>).
/// </summary>
public sealed record RecordsViewed(string SubjectRef, string ViewerKind, string? ProxyId, string[] RecordIds, string Principal, DateTimeOffset ViewedAt)
    : IReadAccessEvent
{
    public ReadAccessEntry AccessEntry(Guid eventId) => PortalViews.AccessEntry(this, eventId);
}
