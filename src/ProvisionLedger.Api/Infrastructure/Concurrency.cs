using JasperFx;
using Marten.Exceptions;

namespace ProvisionLedger.Api.Infrastructure;

public static class Concurrency
{
    /// <summary>
    /// A write lost a race for the same stream: the caller re-reads and decides again (<see cref="LedgerWrites"/> does,
    /// for every single write).
    /// </summary>
    public static bool IsConflict(Exception e) =>
        e is ConcurrencyException or ExistingStreamIdCollisionException
        || e.InnerException is ConcurrencyException or ExistingStreamIdCollisionException
        || (e is MartenCommandException { InnerException: Npgsql.PostgresException { SqlState: "23505" } });
}
