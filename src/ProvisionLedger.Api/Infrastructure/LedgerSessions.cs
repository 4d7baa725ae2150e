using Marten;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Opens write sessions stamped with who is acting and the request's correlation id (Marten event metadata).</summary>
public sealed class LedgerSessions(IDocumentStore store, IHttpContextAccessor http)
{
    public const string CorrelationHeader = "X-Correlation-Id";

    /// <summary>A stamped session; <paramref name="options"/> can enlist it in a transaction shared with other sessions.</summary>
    public IDocumentSession OpenFor(Actor actor, Marten.Services.SessionOptions? options = null)
    {
        var session = options is null ? store.LightweightSession() : store.LightweightSession(options);
        Stamp(session, actor, http.HttpContext);
        return session;
    }

    /// <summary>Who recorded, and in answer to which request: Marten's user-name, correlation and header metadata.</summary>
    public static void Stamp(IDocumentSession session, Actor actor, HttpContext? context)
    {
        session.LastModifiedBy = actor.Principal;
        session.CorrelationId = CorrelationId(context);
        session.SetHeader("role", actor.Role);
        if (actor.InstitutionCode is not null)
        {
            session.SetHeader("inst", actor.InstitutionCode);
        }
    }

    /// <summary>The same stamp for a write handed to <see cref="GroupCommit"/>, which shares one session among writers.</summary>
    public CommitStamp StampFor(Actor actor) => StampFor(actor, http.HttpContext);

    /// <inheritdoc cref="StampFor(Actor)"/>
    public static CommitStamp StampFor(Actor actor, HttpContext? context)
    {
        var headers = new Dictionary<string, string> { ["role"] = actor.Role };
        if (actor.InstitutionCode is not null)
        {
            headers["inst"] = actor.InstitutionCode;
        }

        return new CommitStamp(actor.Principal, CorrelationId(context), headers);
    }

    public static string CorrelationId(HttpContext? context)
    {
        if (context is null)
        {
            return Guid.NewGuid().ToString("n");
        }

        var given = context.Request.Headers[CorrelationHeader].ToString();
        return !string.IsNullOrWhiteSpace(given) && given.Length <= 128 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : context.TraceIdentifier;
    }
}
