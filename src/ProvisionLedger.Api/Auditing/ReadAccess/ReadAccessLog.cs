using System.Security.Claims;
using Microsoft.AspNetCore.Routing;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Auditing.ReadAccess;

/// <summary>
/// Records a read of ledger records. Endpoints that return records call <see cref="RecordAsync"/> before answering, so
/// a read that could not be recorded is not served. Give the subjectRef (never a My Number) when a person's records were
/// read, and the institution code when an institution's records were.
/// </summary>
public sealed class ReadAccessLog(LedgerSessions sessions, IHttpContextAccessor http, TimeProvider clock)
{
    public async Task RecordAsync(
        ClaimsPrincipal user, string resource, int recordCount, string? subjectRef = null, string? institutionCode = null,
        CancellationToken ct = default)
    {
        var actor = Actor.From(user);
        var context = http.HttpContext;
        var route = context?.GetEndpoint() is RouteEndpoint endpoint
            ? $"{context.Request.Method} {endpoint.RoutePattern.RawText}"
            : context?.Request.Method ?? "";
        var at = clock.GetUtcNow();

        // The path only: My Numbers never travel in URLs, and query strings may carry anything.
        var read = new ReadAccessRecorded(
            Guid.NewGuid().ToString("n"), actor.Principal, actor.Role, actor.InstitutionCode, route, context?.Request.Path.Value ?? "",
            resource, subjectRef, institutionCode, recordCount, at);
        await using var session = sessions.OpenFor(actor);
        session.Events.Append(ReadAccessKeys.Stream(read.AccessId), read);
        await session.SaveChangesAsync(ct);
    }
}
