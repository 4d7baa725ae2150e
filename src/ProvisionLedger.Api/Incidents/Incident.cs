using System.Security.Cryptography;
using System.Text;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace ProvisionLedger.Api.Incidents;

/// <summary>
/// A mis-linkage incident was opened when the mis-linkage was confirmed. The subject refs stay inside the ledger: they
/// let the trace find the wrong person's portal views and are never returned.
/// </summary>
public sealed record IncidentOpened(
    string IncidentId,
    string LinkageId,
    string LinkageStreamKey,
    string InstitutionCode,
    string LocalRecordId,
    string WrongSubjectRef,
    string? CorrectSubjectRef,
    string? CorrectedLinkageId,
    DateTimeOffset LinkedAt,
    string DiscoveredBy,
    string Cause,
    bool ImproperPurpose,
    int InquirerRecords,
    int ProviderRecords,
    int RecordsAttributed,
    string RequestFingerprint,
    DateTimeOffset DiscoveredAt,
    DateTimeOffset CorrectedAt);

public static class IncidentKeys
{
    public static string Stream(string incidentId) => $"incident:{incidentId}";

    /// <summary>
    /// A linkage is confirmed wrong at most once, so the incident id derives from it: a retried or racing confirmation
    /// lands on the same incident stream and is recognised.
    /// </summary>
    public static string IdFor(string linkageId) =>
        "INC-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"incident\n{linkageId}")).AsSpan(0, 8));
}

/// <summary>One mis-linkage incident: what was confirmed, when, and by whom.</summary>
public sealed class Incident
{
    public string Id { get; set; } = "";

    public string LinkageId { get; set; } = "";

    public string InstitutionCode { get; set; } = "";

    public string LocalRecordId { get; set; } = "";

    public string WrongSubjectRef { get; set; } = "";

    public string? CorrectSubjectRef { get; set; }

    public string? CorrectedLinkageId { get; set; }

    public DateTimeOffset LinkedAt { get; set; }

    public DateTimeOffset DiscoveredAt { get; set; }

    public string DiscoveredBy { get; set; } = "";

    public string Cause { get; set; } = "";

    public bool ImproperPurpose { get; set; }

    /// <summary>When the ledger ended the linkage and appended the corrections: the end of the wrong person's view window.</summary>
    public DateTimeOffset CorrectedAt { get; set; }

    public int InquirerRecords { get; set; }

    public int ProviderRecords { get; set; }

    public int RecordsAttributed { get; set; }

    public string RequestFingerprint { get; set; } = "";

    /// <summary>UTC ticks of <see cref="DiscoveredAt"/>: the period filter and ordering key of the incident list.</summary>
    public long SortKey { get; set; }
}

public sealed class IncidentProjection : IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        foreach (var e in events)
        {
            if (e.Data is IncidentOpened opened)
            {
                operations.Store(new Incident
                {
                    Id = opened.IncidentId,
                    LinkageId = opened.LinkageId,
                    InstitutionCode = opened.InstitutionCode,
                    LocalRecordId = opened.LocalRecordId,
                    WrongSubjectRef = opened.WrongSubjectRef,
                    CorrectSubjectRef = opened.CorrectSubjectRef,
                    CorrectedLinkageId = opened.CorrectedLinkageId,
                    LinkedAt = opened.LinkedAt,
                    DiscoveredAt = opened.DiscoveredAt,
                    DiscoveredBy = opened.DiscoveredBy,
                    Cause = opened.Cause,
                    ImproperPurpose = opened.ImproperPurpose,
                    CorrectedAt = opened.CorrectedAt,
                    InquirerRecords = opened.InquirerRecords,
                    ProviderRecords = opened.ProviderRecords,
                    RecordsAttributed = opened.RecordsAttributed,
                    RequestFingerprint = opened.RequestFingerprint,
                    SortKey = opened.DiscoveredAt.UtcTicks,
                });
            }
        }

        return Task.CompletedTask;
    }
}
