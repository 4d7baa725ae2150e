using JasperFx.Events.Projections;
using Marten;

namespace ProvisionLedger.Api.Linkages.AssessingRisk;

public static class Configuration
{
    public static void Configure(StoreOptions opts)
    {
        // The risk view pages through linkages in force with a risk factor, per institution, by linking time; the partial
        // index holds only those, however many sound linkages the store keeps.
        opts.Schema.For<LinkageRisk>().Identity(x => x.Id).Duplicate(x => x.InstitutionCode).Duplicate(x => x.SortKey)
            .Index([x => x.InstitutionCode, x => x.SortKey], i =>
            {
                i.Name = "linkage_risk_open";
                i.Predicate = OpenPredicate;
            });
        opts.Projections.Add(new LinkageRiskProjection(), ProjectionLifecycle.Inline);
    }

    /// <summary>The partial index's condition; queries repeat it word for word so the planner can use the index.</summary>
    public const string OpenPredicate = "(data ->> 'active') = 'true' and (data ->> 'atRisk') = 'true'";
}
