using Marten;
using Microsoft.AspNetCore.Authorization;
using ProvisionLedger.Api.Exchanges;
using ProvisionLedger.Api.Exchanges.Correcting;
using ProvisionLedger.Api.Infrastructure;
using ProvisionLedger.Api.Linkages;
using ProvisionLedger.Api.ReferenceData;
using ProvisionLedger.Api.Subjects;
using Wolverine.Http;

namespace ProvisionLedger.Api.Incidents.Confirming;

/// <summary>
/// 紐付け誤りの確認. <paramref name="ImproperPurpose"/> (不正の目的をもって行われたおそれ) is optional: it makes the leak
/// reportable whatever else holds and gives the final report 60 days instead of 30.
/// </summary>
public sealed record ConfirmMisLinkage(
    DateTimeOffset? DiscoveredAt,
    string? DiscoveredBy,
    string? Cause,
    string? CorrectMyNumber,
    bool? ImproperPurpose);

public sealed record IncidentAnswer(string IncidentId);

/// <summary>What the confirmation is decided on (<see cref="ConfirmMisLinkageEndpoint.LoadAsync"/>).</summary>
/// <param name="Linkage">The linkage, or null when there is none.</param>
/// <param name="Incident">Its incident, when it was already confirmed.</param>
/// <param name="StreamVersion">The version of its local record's stream the decision is made at.</param>
/// <param name="Link">Its local record's link (episodes), while the linkage is in force.</param>
/// <param name="Made">Every record made under it, while in force.</param>
/// <param name="MadeVersions">The version of each of those records' exchange streams, read with them (by exchange id).</param>
public sealed record ConfirmationState(
    Linkage? Linkage, Incident? Incident, long StreamVersion, LocalRecordLink? Link, IReadOnlyList<LinkedExchange> Made,
    IReadOnlyDictionary<string, long>? MadeVersions = null);

/// <summary>The true owner as the ledger keys them: <c>subjectRef</c> and the institution's 機関別符号.</summary>
public sealed record TrueOwner(string SubjectRef, string InstitutionSubjectCode);

/// <summary>
/// What a confirmation writes: the linkage's events (at the version they were decided on), the incident, and per record
/// its events, each after the version of the record's stream the decision was made at.
/// </summary>
public sealed record ConfirmationPlan(
    string LinkageStreamKey,
    long LinkageVersion,
    IReadOnlyList<object> LinkageEvents,
    IncidentOpened Opened,
    IReadOnlyList<(string ExchangeId, long Version, object[] Events)> Exchanges);

/// <summary>
/// Confirms that a linkage was wrong, in one transaction: the wrong linkage ends at discovery, the local record is
/// re-linked to the true owner when known, an incident is opened, every record made under the wrong linkage gets a
/// mis-linkage correction (追記), and records the institution provided under the wrong number are attributed to the
/// person whose information they were.
/// <para>
/// Attribution rule. As provider, the institution gave its record of the true owner T out as the wrong person W's: T's
/// information reached the inquirer, so T's view shows the record too (SPEC §3). As inquirer, the institution asked
/// about W and the provider answered with W's own information: the information provided was W's, so the record stays in
/// W's view (with the correction) and is not shown to T, whose information was not provided. Showing it to T would tell
/// T that W's information had been obtained. A record whose provision was "no-data" or "error" provided nobody's
/// information and is attributed to nobody.
/// </para>
/// </summary>
public static class ConfirmMisLinkageEndpoint
{
    /// <summary>Decisions made and written before a confirmation that keeps losing races answers 409.</summary>
    public const int Attempts = 3;

    /// <summary>
    /// How long one statement of the write may take. A confirmation of 100,000 records writes every read-model table's
    /// 100,000 rows in one statement each, which can take longer than the default 30 s on a loaded server; the client's
    /// own timeout still bounds the request.
    /// </summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromMinutes(5);

    public static FieldErrors Check(ConfirmMisLinkage command, DateTimeOffset now, TimeSpan skew)
    {
        var errors = new FieldErrors();
        errors.NotInFuture("discoveredAt", command.DiscoveredAt, now, skew);
        errors.Required("discoveredBy", command.DiscoveredBy);
        errors.Required("cause", command.Cause, 2000);
        if (command.CorrectMyNumber is not null && !MyNumber.IsValid(command.CorrectMyNumber))
        {
            errors.Add("correctMyNumber", MyNumber.Problem(command.CorrectMyNumber));
        }

        return errors;
    }

    [WolverinePost("/api/v1/linkages/{linkageId}/mislinkage")]
    [Authorize(Roles = $"{Roles.Institution},{Roles.IncidentResponder}")]
    public static async Task<IResult> Post(
        string linkageId, HttpRequest request, Actor actor, LedgerSessions sessions, SubjectKeys subjects,
        CodeRegistry codes, LedgerOptions options, TimeProvider clock, IDocumentStore store)
    {
        var (command, bad) = await JsonBody.ReadAsync<ConfirmMisLinkage>(request);
        if (command is null)
        {
            return bad!;
        }

        var now = clock.GetUtcNow();
        var errors = Check(command, now, options.ClockSkew);
        if (errors.Any)
        {
            return errors.ToProblem();
        }

        var fingerprint = Fingerprint.Of(command, options.SubjectHmacKey);
        var ct = request.HttpContext.RequestAborted;
        for (var attempt = 1; ; attempt++)
        {
            // One connection and one read-committed transaction for the decision's reads and the writes; Marten commits it.
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var sessionOptions = Marten.Services.SessionOptions.ForTransaction(transaction, shouldAutoCommit: true);
            sessionOptions.Timeout = (int)WriteTimeout.TotalSeconds;
            await using var session = sessions.OpenFor(actor, sessionOptions);
            var (answer, plan) = await DecideAsync(session, actor, linkageId, command, fingerprint, subjects, codes, now);
            if (plan is null)
            {
                return answer;
            }

            try
            {
                await WriteAsync(plan, session, transaction, ct);
                return answer;
            }
            catch (Exception e) when (Concurrency.IsConflict(e) && attempt < Attempts)
            {
                // The same confirmation, another change to this linkage, or a write to one of its records won a race:
                // nothing was written; decide again against what is there now.
            }
            catch (Exception e) when (Concurrency.IsConflict(e))
            {
                return Problems.Conflict("The linkage or its records kept changing during the confirmation; nothing was written. Try again.");
            }
        }
    }

    /// <summary>
    /// Loads what the confirmation is decided on and decides it (<see cref="Decide"/>). Also used by the benchmark,
    /// which has no HTTP host.
    /// </summary>
    public static async Task<(IResult Answer, ConfirmationPlan? Plan)> DecideAsync(
        IQuerySession session, Actor actor, string linkageId, ConfirmMisLinkage command, string fingerprint, SubjectKeys subjects,
        CodeRegistry codes, DateTimeOffset now)
    {
        var state = await LoadAsync(session, linkageId);
        var owner = command.CorrectMyNumber is { } correct && state.Linkage is { } linkage
            ? new TrueOwner(subjects.SubjectRef(correct), subjects.InstitutionCode(linkage.InstitutionCode, correct))
            : null;
        return Decide(command, state, actor, fingerprint, owner, codes, now);
    }

    /// <summary>
    /// What the decision needs, in five reads by key or index: the linkage, its incident when it is already mis-linked,
    /// its stream's version and local-record link, and every record made under it (the linkage-id indexes of
    /// <see cref="LinkedExchange"/>) with its exchange stream's version, in one statement so that the records and the
    /// versions are the same snapshot: a write to a record after it makes the confirmation's append fail and decide again.
    /// </summary>
    public static async Task<ConfirmationState> LoadAsync(IQuerySession session, string linkageId)
    {
        var linkage = await session.LoadAsync<Linkage>(linkageId);
        if (linkage is null)
        {
            return new ConfirmationState(null, null, 0, null, []);
        }

        if (linkage.Status != LinkageStatus.Active)
        {
            var incident = linkage.IncidentId is { } id ? await session.LoadAsync<Incident>(id) : null;
            return new ConfirmationState(linkage, incident, 0, null, []);
        }

        var stream = await session.Events.FetchStreamStateAsync(linkage.StreamKey);
        var current = await session.LoadAsync<LocalRecordLink>(linkage.StreamKey);
        if (stream is null || current is null)
        {
            throw new InvalidOperationException($"Linkage {linkageId} has no stream or local record link.");
        }

        var s = LedgerStore.Schema;
        var connection = session.Connection ?? throw new InvalidOperationException("The session has no connection.");
        var serializer = session.DocumentStore.Options.Serializer();
        var made = new List<LinkedExchange>();
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var read = new Npgsql.NpgsqlCommand(
                         $"select d.data, e.version from {s}.mt_doc_linkedexchange d join {s}.mt_streams e on e.id = @prefix || d.id " +
                         "where d.inquirer_linkage_id = @linkage or d.provider_linkage_id = @linkage", connection))
        {
            read.Parameters.AddWithValue("prefix", ExchangeKeys.Stream(""));
            read.Parameters.AddWithValue("linkage", linkageId);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var record = serializer.FromJson<LinkedExchange>(reader, 0);
                made.Add(record);
                versions[record.Id] = reader.GetInt64(1);
            }
        }

        return new ConfirmationState(linkage, null, stream.Version, current, made, versions);
    }

    /// <summary>
    /// The decision, a pure function of the command, the state and the time: either an answer with nothing to write (a
    /// problem, or 200 for a retry), or 201 with the plan of events to write. <paramref name="owner"/> is the true
    /// owner's keyed hashes when the command names them (the My Number itself never reaches the decision).
    /// </summary>
    public static (IResult Answer, ConfirmationPlan? Plan) Decide(
        ConfirmMisLinkage command, ConfirmationState state, Actor actor, string fingerprint, TrueOwner? owner, CodeRegistry codes,
        DateTimeOffset now)
    {
        var linkage = state.Linkage;
        if (linkage is null || (actor.Is(Roles.Institution) && !actor.IsInstitution(linkage.InstitutionCode)))
        {
            return (Problems.NotFound("The linkage"), null);
        }

        var incidentId = IncidentKeys.IdFor(linkage.Id);
        var answer = new IncidentAnswer(incidentId);
        if (linkage.Status == LinkageStatus.MisLinked && linkage.IncidentId == incidentId)
        {
            return (state.Incident?.RequestFingerprint == fingerprint
                ? Results.Ok(answer)
                : Problems.Conflict("This linkage has already been confirmed as a mis-linkage.", $"See incident {incidentId}."), null);
        }

        if (linkage.Status != LinkageStatus.Active || state.Link is not { } current)
        {
            return (Problems.Conflict("This linkage has ended; only a linkage in force can be confirmed as a mis-linkage."), null);
        }

        var discoveredAt = command.DiscoveredAt!.Value;
        if (discoveredAt < linkage.LinkedAt)
        {
            return (Problems.Validation("discoveredAt", "must not be before the linkage was made."), null);
        }

        var correctRef = owner?.SubjectRef;
        if (correctRef is not null && correctRef == linkage.SubjectRef)
        {
            return (Problems.Validation("correctMyNumber", "is the number the record is wrongly linked to; give the true owner's number."), null);
        }

        var linkageId = linkage.Id;
        var linkageEvents = new List<object>
        {
            new MisLinkageConfirmed(linkage.StreamKey, linkageId, incidentId, linkage.InstitutionCode, linkage.LocalRecordId,
                linkage.SubjectRef, correctRef, command.DiscoveredBy!, command.Cause!, fingerprint, discoveredAt),
        };
        string? correctedLinkageId = null;
        if (owner is not null)
        {
            correctedLinkageId = LinkageKeys.LinkageId(linkage.StreamKey, current.Episodes + 1);
            linkageEvents.Add(new SubjectLinked(
                linkage.StreamKey, correctedLinkageId, linkage.InstitutionCode, linkage.LocalRecordId, owner.SubjectRef,
                owner.InstitutionSubjectCode, LinkageMethods.MisLinkageCorrection,
                new LinkageEvidence([], 0, []), command.DiscoveredBy!, [], null,
                $"紐付け誤りの訂正（{incidentId}）", incidentId, fingerprint, discoveredAt));
        }

        var institutionName = codes.InstitutionName(linkage.InstitutionCode);
        var correctionFingerprint = $"incident:{incidentId}";
        var attributed = 0;
        var made = state.Made;
        var exchanges = new List<(string ExchangeId, long Version, object[] Events)>(made.Count);
        foreach (var record in made.OrderBy(x => x.RequestedAt).ThenBy(x => x.Id, StringComparer.Ordinal))
        {
            var role = record.RoleOf(linkageId);
            var events = new List<object>
            {
                new CorrectionAppended(record.Id, AppendCorrectionEndpoint.CorrectionId(record.Id, correctionFingerprint), CorrectionKinds.MisLinkage,
                    CorrectionNote(role, institutionName), command.DiscoveredBy!, incidentId, correctionFingerprint, now),
            };
            if (role == Sides.Provider && correctRef is not null && record.Result == ExchangeResults.Provided)
            {
                events.Add(new RecordAttributedToSubject(record.Id, correctRef, incidentId,
                    "紐付け誤りにより、提供された情報の本人に記録を帰属", now));
                attributed++;
            }

            exchanges.Add((record.Id, state.MadeVersions?.GetValueOrDefault(record.Id) ?? 0, events.ToArray()));
        }

        var opened = new IncidentOpened(
            incidentId, linkageId, linkage.StreamKey, linkage.InstitutionCode, linkage.LocalRecordId, linkage.SubjectRef, correctRef,
            correctedLinkageId, linkage.LinkedAt, command.DiscoveredBy!, command.Cause!, command.ImproperPurpose ?? false,
            made.Count(x => x.RoleOf(linkageId) == Sides.Inquirer), made.Count(x => x.RoleOf(linkageId) == Sides.Provider), attributed,
            fingerprint, discoveredAt, now);
        return (Results.Created($"/api/v1/incidents/{incidentId}/trace", answer),
            new ConfirmationPlan(linkage.StreamKey, state.StreamVersion, linkageEvents, opened, exchanges));
    }

    /// <summary>
    /// Writes the plan in <paramref name="session"/>'s transaction (<paramref name="transaction"/>), all or nothing. The
    /// records' events first, set-based (<see cref="StreamAppends"/>: one statement locks and moves every record's stream
    /// from the version the decision was made at, one inserts every event), with each inline projection applied once to
    /// all of them (a statement per read-model table, the projections' <c>DocumentRows</c>); then the linkage's events
    /// and the incident through Marten in <c>SaveChanges</c>, which commits. A record written to since the decision, or a
    /// racing confirmation (the linkage stream's expected version, the incident stream's key), fails the whole write
    /// with a concurrency conflict and nothing is written.
    /// </summary>
    public static async Task WriteAsync(ConfirmationPlan plan, IDocumentSession session, Npgsql.NpgsqlTransaction transaction, CancellationToken ct = default)
    {
        await StreamAppends.AppendAsync(session, transaction,
            [.. plan.Exchanges.Select(x => new StreamAppend(ExchangeKeys.Stream(x.ExchangeId), x.Version, x.Events))], WriteTimeout, ct);
        session.Events.Append(plan.LinkageStreamKey, plan.LinkageVersion + plan.LinkageEvents.Count, plan.LinkageEvents.ToArray());
        session.Events.StartStream(IncidentKeys.Stream(plan.Opened.IncidentId), plan.Opened);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// The text every view of the record shows. It names the institution whose linkage was wrong and nothing about either
    /// person, since both the wrong person and the true owner may read it.
    /// </summary>
    public static string CorrectionNote(string role, string institutionName) => role == Sides.Provider
        ? $"紐付け誤りのため追記：{institutionName}において、提供した情報が誤った個人番号に紐付けられた他人の情報でした。"
        : $"紐付け誤りのため追記：{institutionName}において、照会の対象者が誤った個人番号に紐付けられていました。";
}
