using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.ReferenceData;

public static class Configuration
{
    /// <summary>The code tables: the shipped copy, or the operator's (<c>Ledger:ReferenceData:Path</c>).</summary>
    public static IServiceCollection AddReferenceData(this IServiceCollection services, IConfiguration configuration) => services
        .AddSingleton(_ => CodeRegistry.Load(configuration["Ledger:ReferenceData:Path"]))
        .AddSingleton<IKnownInstitutions>(sp => sp.GetRequiredService<CodeRegistry>());
}
