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
            return (stream, decide(stream.Aggregate));
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
                return (fetched, decide(fetched.Aggregate, await loading));
            }

            var stream = await session.Events.FetchForWriting<TState>(streamKey);
            var document = documentKey(stream.Aggregate) is { } key ? await session.LoadAsync<TDocument>(key) : null;
            return (stream, decide(stream.Aggregate, document));
        });

    private async Task<IResult> RunAsync<TState>(
        Actor actor, string lostTitle, Func<IDocumentSession, Task<(IEventStream<TState> Stream, Decision Decision)>> step)
        where TState : class
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
            var (stream, decision) = await step(session);
            if (decision.Events.Count == 0)
            {
                return decision.Answer;
            }

            stream.AppendMany(decision.Events);
            try
            {
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
        }
    }
}

/// <summary>A rule of the ledger's state that a request breaks, against one field: 422 on a single route, a record's error in a batch.</summary>
public sealed record Refusal(string Field, string Message)
{
    public IResult ToProblem(string prefix = "") => Problems.Unprocessable(prefix + Field, Message);
}
