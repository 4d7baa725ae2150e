using Microsoft.AspNetCore.Routing;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Auditing.ReadAccess;

/// <summary>
/// Records a read of ledger records. Endpoints that return records call <see cref="RecordAsync"/> before answering, so
/// a read that could not be recorded is not served. Give the subjectRef (never a My Number) when a person's records were
/// read, and the institution code when an institution's records were. The records are committed through
/// <see cref="GroupCommit"/>: concurrent reads share one transaction, and each returns only once its own record is durable.
/// </summary>
public sealed class ReadAccessLog(LedgerSessions sessions, GroupCommit commits, IHttpContextAccessor http, TimeProvider clock)
{
    public Task RecordAsync(
        Actor actor, string resource, int recordCount, string? subjectRef = null, string? institutionCode = null,
        CancellationToken ct = default) =>
        RecordAsync(actor, resource, subjectRef, [(institutionCode, recordCount)], ct);

    /// <summary>
    /// A read that spans several institutions' records (an exchange has two parties; a network-system page, many): one
    /// entry per institution with the number of its records read, so the log by institution finds every read of its
    /// records, whoever read them.
    /// </summary>
    public async Task RecordAsync(
        Actor actor, string resource, string? subjectRef, IReadOnlyCollection<(string? InstitutionCode, int RecordCount)> perInstitution,
        CancellationToken ct = default)
    {
        var context = http.HttpContext;
        var route = context?.GetEndpoint() is RouteEndpoint endpoint
            ? $"{context.Request.Method} {endpoint.RoutePattern.RawText}"
            : context?.Request.Method ?? "";
        var at = clock.GetUtcNow();

        // The path only: My Numbers never travel in URLs, and query strings may carry anything.
        var reads = (perInstitution.Count > 0 ? perInstitution : [(null, 0)]).Select(x => new ReadAccessRecorded(
            Guid.NewGuid().ToString("n"), actor.Principal, actor.Role, actor.InstitutionCode, route, context?.Request.Path.Value ?? "",
            resource, subjectRef, x.InstitutionCode, x.RecordCount, at)).ToList();
        ct.ThrowIfCancellationRequested();
        await commits.CommitAsync(sessions.StampFor(actor), session =>
        {
            foreach (var read in reads)
            {
                session.Events.Append(ReadAccessKeys.Stream(read.AccessId), read);
            }
        });
    }

    /// <summary>How many of the records read belong to each institution.</summary>
    public static IReadOnlyCollection<(string? InstitutionCode, int RecordCount)> PerInstitution(IEnumerable<string> institutionCodes) =>
        institutionCodes.GroupBy(c => c, StringComparer.Ordinal).Select(g => ((string?)g.Key, g.Count())).ToList();
}
