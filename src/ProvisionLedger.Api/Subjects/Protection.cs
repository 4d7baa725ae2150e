using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Subjects;

/// <summary>DV / abuse protection of a person: every record of theirs, past and future, is treated as non-disclosed.</summary>
/// <remarks><c>RegisteringInstitution</c> is the institution whose token registered it (null for the network system): only it,
/// or the network system, may end the protection.</remarks>
public sealed record DvProtectionRegistered(
    string ProtectionId, string SubjectRef, string Reason, string RegisteredBy, string RequestFingerprint, DateTimeOffset OccurredAt,
    string? RegisteringInstitution = null);

public sealed record DvProtectionEnded(string ProtectionId, string SubjectRef, string EndedBy, string? Note, DateTimeOffset OccurredAt);

public static class SubjectKeysOfStreams
{
    public static string Protection(string subjectRef) => $"protection:{subjectRef}";

    /// <summary>Where portal views were kept before each view had a stream of its own; read for older views only.</summary>
    public static string PortalAccess(string subjectRef) => $"portal-access:{subjectRef}";

    public static string PortalView(Guid viewId) => $"portal-view:{viewId:n}";
}

/// <summary>Whether a person is under protection now. One document per person ever protected.</summary>
public sealed class SubjectProtection
{
    public string Id { get; set; } = "";

    public List<string> ActiveProtectionIds { get; set; } = [];

    public Dictionary<string, string> FingerprintsById { get; set; } = [];

    public bool Protected => ActiveProtectionIds.Count > 0;
}

/// <summary>Finds the person of a protection id, so ending it needs no My Number.</summary>
public sealed class ProtectionIndex
{
    public string Id { get; set; } = "";

    public string SubjectRef { get; set; } = "";

    public string? RegisteringInstitution { get; set; }

    public bool Ended { get; set; }

    /// <summary>
    /// The institution that registered it, or the network system. Any other caller is told the protection does not exist:
    /// a protection id must not confirm to a stranger that someone is protected.
    /// </summary>
    public bool MayBeEndedBy(Actor actor) =>
        actor.Is(Roles.Nws) || (RegisteringInstitution is { } code && actor.IsInstitution(code));
}

public sealed class ProtectionProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var subjects = new Dictionary<string, SubjectProtection>();
        async Task<SubjectProtection> Subject(string subjectRef)
        {
            if (!subjects.TryGetValue(subjectRef, out var doc))
            {
                subjects[subjectRef] = doc = await operations.LoadAsync<SubjectProtection>(subjectRef, cancellation)
                                             ?? new SubjectProtection { Id = subjectRef };
            }

            return doc;
        }

        var indexes = new Dictionary<string, ProtectionIndex>();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case DvProtectionRegistered registered:
                {
                    var subject = await Subject(registered.SubjectRef);
                    subject.ActiveProtectionIds.Add(registered.ProtectionId);
                    subject.FingerprintsById[registered.ProtectionId] = registered.RequestFingerprint;
                    indexes[registered.ProtectionId] = new ProtectionIndex
                    {
                        Id = registered.ProtectionId, SubjectRef = registered.SubjectRef, RegisteringInstitution = registered.RegisteringInstitution,
                    };
                    break;
                }

                case DvProtectionEnded ended:
                {
                    var subject = await Subject(ended.SubjectRef);
                    subject.ActiveProtectionIds.Remove(ended.ProtectionId);
                    if (!indexes.TryGetValue(ended.ProtectionId, out var index))
                    {
                        index = await operations.LoadAsync<ProtectionIndex>(ended.ProtectionId, cancellation)
                                ?? new ProtectionIndex { Id = ended.ProtectionId, SubjectRef = ended.SubjectRef };
                        indexes[ended.ProtectionId] = index;
                    }

                    index.Ended = true;
                    break;
                }
            }
        }

        foreach (var index in indexes.Values)
        {
            operations.Store(index);
        }

        foreach (var doc in subjects.Values)
        {
            operations.Store(doc);
        }
    }
}
