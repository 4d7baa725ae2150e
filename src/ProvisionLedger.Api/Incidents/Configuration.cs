using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Incidents.Reporting;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Incidents;

public static class Configuration
{
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventType<IncidentOpened>();

        // "Every record made under this linkage": one index probe per side, whichever side the linkage was on.
        opts.Schema.For<LinkedExchange>().WrittenSetBased().Identity(x => x.Id).Duplicate(x => x.InquirerLinkageId).Duplicate(x => x.ProviderLinkageId);
        opts.Projections.Add(new LinkedExchangeProjection(), ProjectionLifecycle.Inline);

        opts.Schema.For<Incident>().Identity(x => x.Id).Duplicate(x => x.InstitutionCode).Duplicate(x => x.SortKey)
            .Index([x => x.InstitutionCode, x => x.SortKey], i => i.Name = "incident_page");
        opts.Projections.Add(new IncidentProjection(), ProjectionLifecycle.Inline);
    }

    /// <summary>The printable report's inline stylesheet, which the pages' policy allows by hash.</summary>
    public static IServiceCollection AddIncidents(this IServiceCollection services) => services.AddInlineStyle(ReportDocument.Style);
}
