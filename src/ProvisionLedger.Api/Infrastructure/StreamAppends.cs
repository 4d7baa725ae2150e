using System.Runtime.CompilerServices;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using JasperFx;
using Npgsql;
using NpgsqlTypes;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Events for one existing stream, appended after the version the decision was made at.</summary>
public sealed record StreamAppend(string StreamKey, long ExpectedVersion, IReadOnlyList<object> Events);

/// <summary>
/// Appends events to many existing streams in a fixed number of statements, whatever their number: one <c>update</c> of
/// <c>mt_streams</c> that locks the streams (in key order, one primary-key probe each) and moves each from the version its
/// decision was made at to its new version, and one multi-row <c>insert</c> into <c>mt_events</c> with consecutive versions per stream and sequence
/// numbers from Marten's own sequence. Marten's <c>Events.Append</c> would cost one <c>mt_quick_append_events</c> call per
/// stream, and a session's own search for the stream grows with every stream already in it (quadratic at 100,000).
/// <para>
/// Runs in the caller's transaction, before its <c>SaveChanges</c>: the rows are exactly what Marten writes (the event type
/// names and .NET types of Marten's mapping, the store's serializer, the session's user, correlation id and headers), the
/// seal of the transaction covers these events with Marten's own (<see cref="TakeForSeal"/>), and every inline projection is
/// applied to them once, set-based, queued on the session. A stream that moved since the decision (or is gone or archived)
/// fails the whole append with a <see cref="ConcurrencyException"/> before any event is inserted, so nothing is lost or
/// written twice and no sequence number is used: the caller decides again.
/// </para>
/// </summary>
public static class StreamAppends
{
    /// <summary>Marten's tenant id of a store without tenancy.</summary>
    private const string DefaultTenant = "*DEFAULT*";

    private static readonly ConditionalWeakTable<IDocumentSession, List<IEvent>> Appended = [];

    /// <summary>The events this class appended in <paramref name="session"/>'s transaction and not yet handed to its seal.</summary>
    public static IReadOnlyList<IEvent> TakeForSeal(IDocumentSession session)
    {
        if (!Appended.TryGetValue(session, out var events))
        {
            return [];
        }

        Appended.Remove(session);
        return events;
    }

    /// <param name="timeout">How long each statement may take (default: the connection string's command timeout).</param>
    public static async Task<IReadOnlyList<IEvent>> AppendAsync(
        IDocumentSession session, NpgsqlTransaction transaction, IReadOnlyList<StreamAppend> appends, TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        var streams = appends.Where(a => a.Events.Count > 0).ToList();
        if (streams.Count == 0)
        {
            return [];
        }

        if (streams.Select(a => a.StreamKey).Distinct(StringComparer.Ordinal).Count() != streams.Count)
        {
            throw new ArgumentException("Each stream appears once.", nameof(appends));
        }

        var connection = transaction.Connection ?? throw new InvalidOperationException("The transaction has ended.");
        var serializer = session.DocumentStore.Options.Serializer();
        var headers = (session as Marten.Internal.Sessions.QuerySession)?.Headers is { Count: > 0 } h ? new Dictionary<string, object>(h) : null;
        var headersJson = headers is null ? null : serializer.ToJson(headers);

        // Every event built and serialized before any statement: one that cannot be written writes nothing.
        var events = new List<IEvent>(streams.Sum(a => a.Events.Count));
        foreach (var append in streams)
        {
            var version = append.ExpectedVersion;
            foreach (var data in append.Events)
            {
                var e = session.Events.BuildEvent(data);
                e.Id = Guid.CreateVersion7();
                e.StreamKey = append.StreamKey;
                e.Version = ++version;
                e.TenantId = DefaultTenant;
                e.CorrelationId = session.CorrelationId;
                e.CausationId = session.CausationId;
                e.UserName = session.LastModifiedBy;
                e.Headers = headers;
                events.Add(e);
            }
        }

        var json = events.Select(e => serializer.ToJson(e.Data)).ToArray();
        var s = LedgerStore.Schema;

        // 1. The streams, each moved from its expected version: one primary-key probe per stream in key order (ordinal, so
        // two appends sharing streams lock them in the same order). Hash and merge joins are off for this statement only:
        // with the array's length known the planner would otherwise scan the whole of mt_streams, and lock in its order.
        DateTimeOffset now;
        long moved;
        var ordered = streams.OrderBy(a => a.StreamKey, StringComparer.Ordinal).ToList();
        await using (var bump = new NpgsqlCommand(
                         "set local enable_hashjoin = off; set local enable_mergejoin = off; " +
                         $"with moved as (update {s}.mt_streams s set version = x.version + x.n, timestamp = now() " +
                         "from unnest(@keys::varchar[], @versions::bigint[], @counts::bigint[]) as x(id, version, n) " +
                         "where s.id = x.id and s.version = x.version and not coalesce(s.is_archived, false) returning s.id) " +
                         "select (select count(*) from moved), now(); reset enable_hashjoin; reset enable_mergejoin", connection, transaction))
        {
            bump.CommandTimeout = timeout is { } t ? (int)t.TotalSeconds : bump.CommandTimeout;
            bump.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = ordered.Select(a => a.StreamKey).ToArray() });
            bump.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ordered.Select(a => a.ExpectedVersion).ToArray() });
            bump.Parameters.Add(new NpgsqlParameter("counts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = ordered.Select(a => (long)a.Events.Count).ToArray() });
            try
            {
                await using var reader = await bump.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                moved = reader.GetInt64(0);
                now = reader.GetFieldValue<DateTimeOffset>(1);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable)
            {
                throw new ConcurrencyException("Another write holds some of these streams: nothing appended.", typeof(IEvent), ordered[0].StreamKey);
            }
        }

        if (moved != streams.Count)
        {
            throw new ConcurrencyException(
                $"{streams.Count - moved} of the {streams.Count} streams changed since the decision (or are gone or archived): nothing appended.",
                typeof(IEvent), streams[0].StreamKey);
        }

        // 2. The events, in stream order and version order, with sequence numbers in that order.
        foreach (var e in events)
        {
            e.Timestamp = now;
        }

        var sequences = new Dictionary<Guid, long>(events.Count);
        await using (var insert = new NpgsqlCommand(
                         $"insert into {s}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, " +
                         "correlation_id, causation_id, headers, user_name, is_archived) " +
                         $"select nextval('{s}.mt_events_sequence'), r.id, r.stream_id, r.version, r.data, r.type, @now, @tenant, r.dotnet_type, " +
                         "@correlation, @causation, @headers, @user, false " +
                         "from unnest(@ids::uuid[], @streams::varchar[], @eventVersions::bigint[], @data::jsonb[], @types::varchar[], @dotnet::varchar[]) " +
                         "as r(id, stream_id, version, data, type, dotnet_type) returning id, seq_id", connection, transaction))
        {
            insert.CommandTimeout = timeout is { } t ? (int)t.TotalSeconds : insert.CommandTimeout;
            insert.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = events.Select(e => e.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("streams", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = events.Select(e => e.StreamKey!).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("eventVersions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = events.Select(e => e.Version).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = json });
            insert.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = events.Select(e => e.EventTypeName).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("dotnet", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = events.Select(e => e.DotNetTypeName).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = now });
            insert.Parameters.Add(new NpgsqlParameter("tenant", NpgsqlDbType.Varchar) { Value = DefaultTenant });
            insert.Parameters.Add(new NpgsqlParameter("correlation", NpgsqlDbType.Varchar) { Value = (object?)session.CorrelationId ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter("causation", NpgsqlDbType.Varchar) { Value = (object?)session.CausationId ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter("headers", NpgsqlDbType.Jsonb) { Value = (object?)headersJson ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter("user", NpgsqlDbType.Varchar) { Value = (object?)session.LastModifiedBy ?? DBNull.Value });
            await using var reader = await insert.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                sequences[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        foreach (var e in events)
        {
            e.Sequence = sequences[e.Id];
        }

        // 3. The seal of the transaction covers them (EventSealing), and every inline projection sees them, once, as a batch.
        Appended.GetOrCreateValue(session).AddRange(events);
        foreach (var projection in InlineProjections(session.DocumentStore))
        {
            await projection.ApplyAsync(session, events, ct);
        }

        return events;
    }

    private static IEnumerable<IProjection> InlineProjections(IDocumentStore store) =>
        ((StoreOptions)store.Options).Projections.All
            .Where(s => s.Lifecycle == ProjectionLifecycle.Inline)
            .Select(s => (s as IProjectionWrapper)?.InnerProjection as IProjection
                         ?? throw new InvalidOperationException($"Inline projection {s.Name} cannot be given a batch of events."));
}
