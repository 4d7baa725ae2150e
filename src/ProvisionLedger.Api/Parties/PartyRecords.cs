using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Parties;

public sealed record NonDisclosureEntry(string Side, string Reason, string By, DateTimeOffset OccurredAt, DateTimeOffset? LiftedAt);

/// <summary>
/// 情報提供等の記録 as one party holds it (番号法 第23条). The fields here are the ones all three copies share, and are
/// what reconciliation compares. Stored compactly (<see cref="StoredJson"/>): members derived from others are not kept.
/// </summary>
public abstract class PartyRecord
{
    /// <summary>The exchange id (NWS transaction number): one copy per party and exchange.</summary>
    public string Id { get; set; } = "";

    [NotStored]
    public string ExchangeId
    {
        get => Id;
        set => Id = value;
    }

    public string InquirerCode { get; set; } = "";

    public string ProviderCode { get; set; } = "";

    public string ProcedureCode { get; set; } = "";

    public string InfoItemCode { get; set; } = "";

    public InquiryPeriod? Period { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset? ProvidedAt { get; set; }

    public string? Result { get; set; }

    public string? ErrorCode { get; set; }

    public string? PayloadDigest { get; set; }

    [StoredWhenNotEmpty]
    public List<CorrectionEntry> Corrections { get; set; } = [];

    [StoredWhenNotEmpty]
    public List<NonDisclosureEntry> NonDisclosures { get; set; } = [];

    /// <summary>Whether any side's 不開示コード is in force (a mark not lifted).</summary>
    [NotStored]
    public bool NonDisclosed => NonDisclosures.Exists(m => m.LiftedAt is null);

    /// <summary>UTC ticks of <see cref="RequestedAt"/>: the ordering and cursor key (a column of its own in the tables).</summary>
    [NotStored]
    public long SortKey => RequestedAt.UtcTicks;
}

/// <summary>The network system's copy: both parties' 機関別符号, no local record ids.</summary>
public sealed class NwsRecord : PartyRecord
{
    public string InquirerSubjectCode { get; set; } = "";

    public string? ProviderSubjectCode { get; set; }
}

/// <summary>The inquirer's copy: its own local record and its own 機関別符号 only.</summary>
public sealed class InquirerRecord : PartyRecord
{
    public string SubjectCode { get; set; } = "";

    public string LocalRecordId { get; set; } = "";
}

/// <summary>The provider's copy: its own local record and its own 機関別符号 only (known once it has provided).</summary>
public sealed class ProviderRecord : PartyRecord
{
    public string? SubjectCode { get; set; }

    public string? LocalRecordId { get; set; }
}

/// <summary>The three copies' tables, written set-based by <see cref="PartyCopiesProjection"/> (columns as LedgerStore duplicates them).</summary>
public static class PartyRows
{
    public static readonly DocumentRows<NwsRecord> Nws = new(
        "mt_doc_nwsrecord", x => x.Id,
        new DuplicatedColumn<NwsRecord>("sort_key", "bigint", r => r.Select(x => x.SortKey).ToArray()));

    public static readonly DocumentRows<InquirerRecord> Inquirer = new(
        "mt_doc_inquirerrecord", x => x.Id,
        new DuplicatedColumn<InquirerRecord>("inquirer_code", "varchar", r => r.Select(x => x.InquirerCode).ToArray()),
        new DuplicatedColumn<InquirerRecord>("sort_key", "bigint", r => r.Select(x => x.SortKey).ToArray()));

    public static readonly DocumentRows<ProviderRecord> Provider = new(
        "mt_doc_providerrecord", x => x.Id,
        new DuplicatedColumn<ProviderRecord>("provider_code", "varchar", r => r.Select(x => x.ProviderCode).ToArray()),
        new DuplicatedColumn<ProviderRecord>("sort_key", "bigint", r => r.Select(x => x.SortKey).ToArray()));
}
