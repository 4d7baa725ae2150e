using JasperFx;
using Marten.Exceptions;

namespace ProvisionLedger.Api.Infrastructure;

public static class Concurrency
{
    /// <summary>A write lost a race for the same stream: the caller re-reads and decides again.</summary>
    public static bool IsConflict(Exception e) =>
        e is ConcurrencyException or ExistingStreamIdCollisionException
        || e.InnerException is ConcurrencyException or ExistingStreamIdCollisionException
        || (e is MartenCommandException { InnerException: Npgsql.PostgresException { SqlState: "23505" } });

    /// <summary>
    /// Runs a load-decide-append step, and runs it again when its append lost a race for the stream: the step then meets
    /// what won, so a retried request is answered as the first was (200) instead of as a conflict. Each run opens its own
    /// session. Only a request that keeps losing gets <paramref name="lostTitle"/> as a 409.
    /// </summary>
    public static async Task<IResult> DecideAgainOnConflictAsync(Func<Task<IResult>> step, string lostTitle, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (Exception e) when (IsConflict(e) && attempt < attempts)
            {
            }
            catch (Exception e) when (IsConflict(e))
            {
                return Problems.Conflict(lostTitle);
            }
        }
    }
}
