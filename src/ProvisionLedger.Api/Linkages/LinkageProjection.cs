using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace ProvisionLedger.Api.Linkages;

/// <summary>
/// Keeps <see cref="LocalRecordLink"/> (the current linkage of each local record) and <see cref="Linkage"/> (each linkage
/// with its evidence and re-checks) in the same transaction as the events, so the next request reads them.
/// </summary>
public sealed class LinkageProjection : IProjection
{
    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var links = new Dictionary<string, LocalRecordLink>();
        var linkages = new Dictionary<string, Linkage>();

        async Task<LocalRecordLink> Link(string key, string inst, string local)
        {
            if (!links.TryGetValue(key, out var doc))
            {
                doc = await operations.LoadAsync<LocalRecordLink>(key, cancellation)
                      ?? new LocalRecordLink { Id = key, InstitutionCode = inst, LocalRecordId = local };
                links[key] = doc;
            }

            return doc;
        }

        async Task<Linkage?> One(string id)
        {
            if (!linkages.TryGetValue(id, out var doc))
            {
                doc = await operations.LoadAsync<Linkage>(id, cancellation);
                if (doc is null)
                {
                    return null;
                }

                linkages[id] = doc;
            }

            return doc;
        }

        foreach (var e in events)
        {
            switch (e.Data)
            {
                case SubjectLinked linked:
                {
                    var link = await Link(linked.StreamKey, linked.InstitutionCode, linked.LocalRecordId);
                    link.Episodes++;
                    link.LinkageId = linked.LinkageId;
                    link.SubjectRef = linked.SubjectRef;
                    link.InstitutionSubjectCode = linked.InstitutionSubjectCode;
                    link.RequestFingerprint = linked.RequestFingerprint;
                    link.Active = true;
                    link.LinkedAt = linked.OccurredAt;
                    linkages[linked.LinkageId] = new Linkage
                    {
                        Id = linked.LinkageId,
                        StreamKey = linked.StreamKey,
                        InstitutionCode = linked.InstitutionCode,
                        LocalRecordId = linked.LocalRecordId,
                        SubjectRef = linked.SubjectRef,
                        InstitutionSubjectCode = linked.InstitutionSubjectCode,
                        Method = linked.Method,
                        Evidence = linked.Evidence,
                        OperatorId = linked.OperatorId,
                        CheckerIds = linked.CheckerIds,
                        ApproverId = linked.ApproverId,
                        Reason = linked.Reason,
                        LinkedAt = linked.OccurredAt,
                        CreatedByIncidentId = linked.IncidentId,
                    };
                    break;
                }

                case LinkageVerified verified when await One(verified.LinkageId) is { } linkage:
                    linkage.Checks.Add(new LinkageCheck("verified", verified.Method, true, verified.Details, verified.RequestFingerprint, verified.OccurredAt));
                    break;

                case LinkageDiscrepancyFound found when await One(found.LinkageId) is { } linkage:
                    linkage.Checks.Add(new LinkageCheck("discrepancy", found.Method, false, found.Details, found.RequestFingerprint, found.OccurredAt));
                    break;

                case MisLinkageConfirmed confirmed:
                {
                    if (await One(confirmed.LinkageId) is { } linkage)
                    {
                        linkage.Status = LinkageStatus.MisLinked;
                        linkage.EndedAt = confirmed.DiscoveredAt;
                        linkage.IncidentId = confirmed.IncidentId;
                    }

                    var link = await Link(confirmed.StreamKey, confirmed.InstitutionCode, confirmed.LocalRecordId);
                    if (link.LinkageId == confirmed.LinkageId)
                    {
                        link.Active = false;
                    }

                    break;
                }

                case SubjectUnlinked unlinked:
                {
                    if (await One(unlinked.LinkageId) is { } linkage)
                    {
                        linkage.Status = LinkageStatus.Unlinked;
                        linkage.EndedAt = unlinked.OccurredAt;
                        var link = await Link(unlinked.StreamKey, linkage.InstitutionCode, linkage.LocalRecordId);
                        if (link.LinkageId == unlinked.LinkageId)
                        {
                            link.Active = false;
                        }
                    }

                    break;
                }
            }
        }

        foreach (var doc in links.Values)
        {
            operations.Store(doc);
        }

        foreach (var doc in linkages.Values)
        {
            operations.Store(doc);
        }
    }
}
