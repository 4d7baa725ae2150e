using JasperFx.Events.Projections;
using Marten;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Statistics;

public static class Configuration
{
    /// <summary>Usage counts, projected asynchronously (on the node Wolverine elects).</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Schema.For<UsageCount>().WrittenSetBased().Identity(x => x.Id).Duplicate(x => x.InquirerCode).Duplicate(x => x.ProcedureCode);
        opts.Projections.Add(new UsageStatisticsProjection(), ProjectionLifecycle.Async);
    }
}
