using Marten;
using Npgsql;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Query sessions for the reads that may lag the writes by moments (party copies, statistics, incident lists,
/// reconciliation): on <c>ConnectionStrings:LedgerReadOnly</c> when it is set, typically a streaming standby named in an
/// Npgsql multi-host string with <c>Target Session Attributes=prefer-standby</c>; on the primary otherwise. Reads
/// that must see the caller's own write, and every write (a portal search records a view, a listing records its
/// read-access event), keep to the primary.
/// </summary>
public sealed class StandbyReads : IAsyncDisposable
{
    public const string ConnectionName = "LedgerReadOnly";

    private readonly IDocumentStore _store;
    private readonly NpgsqlDataSource? _standby;

    public StandbyReads(IDocumentStore store, IConfiguration configuration)
    {
        _store = store;
        // One data source for the life of the service: its pool, and what it has learned of each host, are kept.
        _standby = configuration.GetConnectionString(ConnectionName) is { Length: > 0 } given ? NpgsqlDataSource.Create(given) : null;
    }

    /// <summary>A query session on the standby (or on the primary, without one); dispose the read to end it.</summary>
    public async Task<StandbyRead> OpenAsync(CancellationToken cancellation = default)
    {
        if (_standby is null)
        {
            return new StandbyRead(_store.QuerySession(), null);
        }

        var connection = await _standby.OpenConnectionAsync(cancellation);
        // Read-only, and one snapshot for every query of the request, whatever the standby replays meanwhile.
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellation);
        return new StandbyRead(_store.QuerySession(Marten.Services.SessionOptions.ForTransaction(transaction)), connection);
    }

    public ValueTask DisposeAsync() => _standby?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>A session of <see cref="StandbyReads"/>, and the standby connection under it: disposing it ends the transaction and returns the connection to the pool.</summary>
public sealed class StandbyRead(IQuerySession session, NpgsqlConnection? connection) : IAsyncDisposable
{
    public IQuerySession Session { get; } = session;

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync();
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }
}
