using JasperFx.Events.Projections;
using Marten;

namespace ProvisionLedger.Api.Subjects;

public static class Configuration
{
    /// <summary>DV protection of a person: its events, the protection documents and their projection.</summary>
    public static void Configure(StoreOptions opts)
    {
        opts.Events.AddEventTypes([typeof(DvProtectionRegistered), typeof(DvProtectionEnded)]);

        opts.Schema.For<SubjectProtection>().Identity(x => x.Id);
        opts.Schema.For<ProtectionIndex>().Identity(x => x.Id);
        opts.Projections.Add(new ProtectionProjection(), ProjectionLifecycle.Inline);
    }

    /// <summary>The keys that turn a My Number into a <c>subjectRef</c> and each institution's 機関別符号.</summary>
    public static IServiceCollection AddSubjects(this IServiceCollection services) => services.AddSingleton<SubjectKeys>();
}
