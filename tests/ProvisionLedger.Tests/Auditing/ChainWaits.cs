using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using ProvisionLedger.Api.Auditing.Chaining;
using ProvisionLedger.Tests.Harness;

namespace ProvisionLedger.Tests.Auditing;

public static class ChainWaits
{
    /// <summary>
    /// Waits until the service's integrator has chained every event committed so far, round by round (no sleeping);
    /// fails after <paramref name="timeout"/>.
    /// </summary>
    public static async Task WaitForChainAsync(this LedgerApi api, TimeSpan? timeout = null)
    {
        var status = api.Services.GetRequiredService<ChainIntegrationStatus>();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var round = status.NextRoundAsync(deadline.Token);
            await using (var connection = await api.OpenAsync())
            await using (var unchained = new NpgsqlCommand(
                             "select count(*) from ledger.mt_events e where not exists (select 1 from ledger.audit_chain c where c.seq_id = e.seq_id)", connection))
            {
                if ((long)(await unchained.ExecuteScalarAsync(deadline.Token))! == 0)
                {
                    return;
                }
            }

            await round;
        }
    }
}
