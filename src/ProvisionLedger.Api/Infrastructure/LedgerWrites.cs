using Marten;
using JasperFx.Events;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// What a write use case decided: the answer, and the events to append when there are any. A decision is made by a
/// pure function of (command, state, now) that a unit test calls directly; <see cref="LedgerWrites"/> carries it out.
/// </summary>
public sealed record Decision(IResult Answer, IReadOnlyList<object> Events)
{
    /// <summary>A refusal, or a repeat already recorded: nothing is appended.</summary>
    public static Decision Reply(IResult answer) => new(answer, []);

    public static Decision Record(IResult answer, params object[] events) => new(answer, events);
}

/// <summary>
/// The one way a single write is carried out: load the stream's write model with Marten's <c>FetchForWriting</c> (and
/// one document the decision needs, in the same round trip when its key is known beforehand), decide, append, commit,
/// on one connection held for the whole attempt. When the append loses a race for the stream (Marten's optimistic
/// version check, or two requests starting the same stream) the whole step runs again against what won, so a repeat
/// is answered as the first request was; a request that keeps losing gets 409. Events are stamped with the actor and the
/// request's correlation id as <see cref="LedgerSessions"/> stamps them.
/// </summary>
public sealed class LedgerWrites(IDocumentStore store, IHttpContextAccessor http)
{
    public const int Attempts = 3;

    public Task<IResult> DecideAsync<TState>(Actor actor, string streamKey, Func<TState?, Decision> decide, string lostTitle)
        where TState : class =>
        RunAsync(actor, lostTitle, async session =>
        {
            var stream = await session.Events.FetchForWriting<TState>(streamKey);
            return (stream.AppendMany, decide(stream.Aggregate));
        });

    /// <summary>
    /// As above, with a document the decision weighs too. <paramref name="documentKey"/> is asked first without the state:
    /// a key it gives then is read in the same batch as the stream, and must be the one the state would give whenever the
    /// decision looks at the document; otherwise it is asked again with the state, and the document read after.
    /// </summary>
    public Task<IResult> DecideAsync<TState, TDocument>(
        Actor actor, string streamKey, Func<TState?, string?> documentKey, Func<TState?, TDocument?, Decision> decide, string lostTitle)
        where TState : class where TDocument : class =>
        RunAsync(actor, lostTitle, async session =>
        {
            if (documentKey(null) is { } known)
            {
                var batch = session.CreateBatchQuery();
                var fetching = batch.Events.FetchForWriting<TState>(streamKey);
                var loading = batch.Load<TDocument>(known);
                await batch.Execute();
                var fetched = await fetching;
                return (fetched.AppendMany, decide(fetched.Aggregate, await loading));
            }

            var stream = await session.Events.FetchForWriting<TState>(streamKey);
            var document = documentKey(stream.Aggregate) is { } key ? await session.LoadAsync<TDocument>(key) : null;
            return (stream.AppendMany, decide(stream.Aggregate, document));
        });

    /// <summary>
    /// A decision on a document (a projection kept inline with the events) whose stream is known only from the
    /// document: the events are appended to <paramref name="streamOf"/> the document, without a version expectation.
    /// </summary>
    public Task<IResult> DecideOnDocumentAsync<TDocument>(
        Actor actor, string documentKey, Func<TDocument, string> streamOf, Func<TDocument?, Decision> decide, string lostTitle)
        where TDocument : class =>
        RunAsync(actor, lostTitle, async session =>
        {
            var document = await session.LoadAsync<TDocument>(documentKey);
            return (events => session.Events.Append(streamOf(document!), events), decide(document));
        });

    /// <summary>
    /// A decision on a stream found through a document (an index kept inline with the events): the document is read,
    /// then the stream it names is fetched for writing, so the append carries the version the decision saw.
    /// </summary>
    public Task<IResult> DecideThroughDocumentAsync<TDocument, TState>(
        Actor actor, string documentKey, Func<TDocument, string> streamOf, Func<TDocument?, TState?, Decision> decide, string lostTitle)
        where TDocument : class where TState : class =>
        RunAsync(actor, lostTitle, async session =>
        {
            if (await session.LoadAsync<TDocument>(documentKey) is not { } document)
            {
                return (_ => { }, decide(null, null));
            }

            var stream = await session.Events.FetchForWriting<TState>(streamOf(document));
            return (stream.AppendMany, decide(document, stream.Aggregate));
        });

    private async Task<IResult> RunAsync(
        Actor actor, string lostTitle, Func<IDocumentSession, Task<(Action<IEnumerable<object>> Append, Decision Decision)>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            // One connection for the whole attempt, and one read-committed transaction that Npgsql begins with the first
            // read and Marten commits in SaveChanges (Marten's lightweight sessions otherwise check a pooled connection
            // out, and reset it, for every command).
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: true));
            LedgerSessions.Stamp(session, actor, http.HttpContext);
            try
            {
                var (append, decision) = await step(session);
                if (decision.Events.Count == 0)
                {
                    return decision.Answer;
                }

                append(decision.Events);
                await session.SaveChangesAsync();
                return decision.Answer;
            }
            catch (Exception e) when (Concurrency.IsConflict(e) && attempt < Attempts)
            {
            }
            catch (Exception e) when (Concurrency.IsConflict(e))
            {
                return Problems.Conflict(lostTitle);
            }
            catch (InvalidOperationException e) when (connection.FullState.HasFlag(System.Data.ConnectionState.Broken) || connection.State != System.Data.ConnectionState.Open)
            {
                // The connection broke under the transaction (the server went away) and Marten's own retry then met the
                // completed transaction: the database is unavailable (503 with Retry-After), not a fault of the service.
                throw new Npgsql.NpgsqlException("The connection to the database was lost during the write.", new IOException(e.Message, e));
            }
        }
    }
}

/// <summary>A rule of the ledger's state that a request breaks, against one field: 422 on a single route, a record's error in a batch.</summary>
public sealed record Refusal(string Field, string Message)
{
    public IResult ToProblem(string prefix = "") => Problems.Unprocessable(prefix + Field, Message);
}
