using JasperFx.Events.Projections;
using Marten;

namespace ProvisionLedger.Api.Linkages;

public static class Configuration
{
    /// <summary>Linkage events, the linkage documents (one per local record, one per linkage) and the risk view.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventTypes([
            typeof(SubjectLinked), typeof(LinkageVerified), typeof(LinkageDiscrepancyFound), typeof(MisLinkageConfirmed), typeof(SubjectUnlinked),
        ]);

        opts.Schema.For<LocalRecordLink>().Identity(x => x.Id);
        opts.Schema.For<Linkage>().Identity(x => x.Id).Duplicate(x => x.SubjectRef).Duplicate(x => x.InstitutionCode);
        opts.Projections.Add(new LinkageProjection(), ProjectionLifecycle.Inline);

        AssessingRisk.Configuration.Configure(opts);
    }
}
