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
/// The one way a single write is carried out: read the stream's write model with Marten's <c>FetchForWriting</c> (and
/// one document the decision needs, in the same round trip when its key is known beforehand) outside any transaction,
/// decide, then hand the events, with the stream version the decision saw, to <see cref="GroupCommit"/>: concurrent
/// writes share one transaction and one commit, and each request is answered only once the commit holding its events is
/// durable. When the append loses a race for the stream (the version moved since the read, or two requests started the
/// same stream) the whole step runs again against what won, so a repeat is answered as the first request was; a request
/// that keeps losing gets 409. A shared commit that fails because the database is unavailable fails every write in it
/// (each answered 503, nothing written). Events are stamped with the actor and the request's correlation id as
/// <see cref="LedgerSessions"/> stamps them.
/// </summary>
public sealed class LedgerWrites(IDocumentStore store, GroupCommit commits, IHttpContextAccessor http)
{
    public const int Attempts = 3;

    public Task<IResult> DecideAsync<TState>(Actor actor, string streamKey, Func<TState?, Decision> decide, string lostTitle)
        where TState : class =>
        RunAsync(actor, lostTitle, async session =>
        {
            var stream = await session.Events.FetchForWriting<TState>(streamKey);
            return Plan.At(stream, decide(stream.Aggregate));
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
                return Plan.At(fetched, decide(fetched.Aggregate, await loading));
            }

            var stream = await session.Events.FetchForWriting<TState>(streamKey);
            var document = documentKey(stream.Aggregate) is { } key ? await session.LoadAsync<TDocument>(key) : null;
            return Plan.At(stream, decide(stream.Aggregate, document));
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
            var decision = decide(document);
            return decision.Events.Count == 0 ? Plan.Nothing(decision) : Plan.Anywhere(streamOf(document!), decision);
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
                return Plan.Nothing(decide(null, null));
            }

            var stream = await session.Events.FetchForWriting<TState>(streamOf(document));
            return Plan.At(stream, decide(document, stream.Aggregate));
        });

    private async Task<IResult> RunAsync(Actor actor, string lostTitle, Func<IDocumentSession, Task<Plan>> step)
    {
        var stamp = LedgerSessions.StampFor(actor, http.HttpContext);
        for (var attempt = 1; ; attempt++)
        {
            // The read: one round trip on a pooled connection, no transaction (a decision's reads see committed state; the
            // append's version check catches what changed since).
            Plan plan;
            await using (var session = store.LightweightSession())
            {
                plan = await step(session);
            }

            if (plan.Decision.Events.Count == 0)
            {
                return plan.Decision.Answer;
            }

            try
            {
                await commits.CommitAsync(stamp, plan.Append, plan.Stream, plan.Version);
                return plan.Decision.Answer;
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

    /// <summary>What a decision appends, to which stream, and at which version (the one it was decided on).</summary>
    private sealed record Plan(Decision Decision, string? Stream, long? Version, Action<IDocumentSession> Append)
    {
        public static Plan Nothing(Decision decision) => new(decision, null, null, _ => { });

        /// <summary>
        /// Appended as <c>FetchForWriting</c>'s stream would be: a stream it found empty is started (two requests
        /// starting it collide), any other is appended to at the version read (a write in between fails the check).
        /// </summary>
        public static Plan At<TState>(IEventStream<TState> stream, Decision decision) where TState : class
        {
            var key = stream.Key ?? throw new InvalidOperationException("Ledger streams are keyed by strings.");
            var version = stream.StartingVersion ?? 0;
            var events = decision.Events.ToArray();
            return new Plan(decision, key, version, version == 0
                ? session => session.Events.StartStream<TState>(key, events)
                : session => session.Events.Append(key, version + events.Length, events));
        }

        public static Plan Anywhere(string stream, Decision decision)
        {
            var events = decision.Events.ToArray();
            return new Plan(decision, stream, null, session => session.Events.Append(stream, events));
        }
    }
}

/// <summary>A rule of the ledger's state that a request breaks, against one field: 422 on a single route, a record's error in a batch.</summary>
public sealed record Refusal(string Field, string Message)
{
    public IResult ToProblem(string prefix = "") => Problems.Unprocessable(prefix + Field, Message);
}
