using System.Security.Cryptography;
using System.Text;

namespace ProvisionLedger.Api.Linkages;

/// <summary>Identity items used in the query that found the person, and what was seen.</summary>
public sealed record LinkageEvidence(string[] QueryItems, int CandidateCount, string[] Documents);

/// <summary>紐付け: an institution's local record associated with a person.</summary>
public sealed record SubjectLinked(
    string StreamKey,
    string LinkageId,
    string InstitutionCode,
    string LocalRecordId,
    string SubjectRef,
    string InstitutionSubjectCode,
    string Method,
    LinkageEvidence Evidence,
    string OperatorId,
    string[] CheckerIds,
    string? ApproverId,
    string? Reason,
    string? IncidentId,
    string RequestFingerprint,
    DateTimeOffset OccurredAt);

/// <summary>A periodic re-check (定期的・体系的な点検) agreed.</summary>
public sealed record LinkageVerified(string StreamKey, string LinkageId, string Method, string? Details, string RequestFingerprint, DateTimeOffset OccurredAt);

/// <summary>A periodic re-check disagreed.</summary>
public sealed record LinkageDiscrepancyFound(string StreamKey, string LinkageId, string Method, string? Details, string RequestFingerprint, DateTimeOffset OccurredAt);

/// <summary>The linkage was wrong (紐付け誤り). Ends it at the moment of discovery.</summary>
public sealed record MisLinkageConfirmed(
    string StreamKey,
    string LinkageId,
    string IncidentId,
    string InstitutionCode,
    string LocalRecordId,
    string WrongSubjectRef,
    string? CorrectSubjectRef,
    string DiscoveredBy,
    string Cause,
    string RequestFingerprint,
    DateTimeOffset DiscoveredAt);

/// <summary>The linkage ended for another reason.</summary>
public sealed record SubjectUnlinked(string StreamKey, string LinkageId, string Reason, string By, DateTimeOffset OccurredAt);

public static class LinkageMethods
{
    public const string ApplicantProvided = "applicant-provided";
    public const string JlisFourItems = "jlis-4-items";
    public const string JlisThreeItems = "jlis-3-items";
    public const string ResidentRegistry = "resident-registry";
    public const string EmployerProvided = "employer-provided";

    /// <summary>The re-link made when a mis-linkage is confirmed with the correct person known.</summary>
    public const string MisLinkageCorrection = "mislinkage-correction";

    public static readonly string[] Registrable = [ApplicantProvided, JlisFourItems, JlisThreeItems, ResidentRegistry, EmployerProvided];

    public static readonly string[] QueryItems = ["kanjiName", "kanaName", "dateOfBirth", "sex", "address"];
}

public static class LinkageKeys
{
    /// <summary>One linkage stream per institution + local record: the natural key makes a duplicate recognisable.</summary>
    public static string Stream(string institutionCode, string localRecordId) => $"linkage:{institutionCode}:{localRecordId}";

    /// <summary>The n-th linkage of a local record; deterministic, so a retried request gets the same id.</summary>
    public static string LinkageId(string streamKey, int episode)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{streamKey}#{episode}"));
        return new Guid(hash.AsSpan(0, 16)).ToString("n");
    }
}

/// <summary>The current state of one local record's linkage; used to resolve an exchange's subject.</summary>
public sealed class LocalRecordLink
{
    public string Id { get; set; } = "";

    public string InstitutionCode { get; set; } = "";

    public string LocalRecordId { get; set; } = "";

    public int Episodes { get; set; }

    public string? LinkageId { get; set; }

    public string? SubjectRef { get; set; }

    public string? InstitutionSubjectCode { get; set; }

    public string? RequestFingerprint { get; set; }

    public bool Active { get; set; }

    public DateTimeOffset? LinkedAt { get; set; }
}

public sealed record LinkageCheck(string Kind, string Method, bool Agreed, string? Details, string RequestFingerprint, DateTimeOffset OccurredAt);

/// <summary>One linkage (one episode of a local record), with its evidence and re-checks.</summary>
public sealed class Linkage
{
    public string Id { get; set; } = "";

    public string StreamKey { get; set; } = "";

    public string InstitutionCode { get; set; } = "";

    public string LocalRecordId { get; set; } = "";

    public string SubjectRef { get; set; } = "";

    public string InstitutionSubjectCode { get; set; } = "";

    public string Method { get; set; } = "";

    public LinkageEvidence Evidence { get; set; } = new([], 0, []);

    public string OperatorId { get; set; } = "";

    public string[] CheckerIds { get; set; } = [];

    public string? ApproverId { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset LinkedAt { get; set; }

    public string Status { get; set; } = LinkageStatus.Active;

    public DateTimeOffset? EndedAt { get; set; }

    public string? IncidentId { get; set; }

    public string? CreatedByIncidentId { get; set; }

    public List<LinkageCheck> Checks { get; set; } = [];
}

public static class LinkageStatus
{
    public const string Active = "active";
    public const string Unlinked = "unlinked";
    public const string MisLinked = "mislinked";
}
