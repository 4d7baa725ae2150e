namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// The two moments a history is read at: <c>asOf</c>, recording time (what the ledger had recorded by then), and
/// <c>validAt</c>, business time (what was true then, by the times the events carry). Together: "as recorded by asOf,
/// valid at validAt". Both are read as every period is (<see cref="Jst.TryParseBound"/>): a time without an offset is Japan
/// time, and a bare date means the end of that JST day.
/// </summary>
public sealed record Bitemporal(DateTimeOffset AsOf, DateTimeOffset? ValidAt)
{
    /// <summary>The moments a request asks for (asOf defaults to now; validAt to none), or a 400 naming each bad one.</summary>
    public static (Bitemporal? Times, IResult? Problem) FromQuery(HttpRequest request, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        var asOf = Read(request, "asOf", errors) ?? now;
        var validAt = Read(request, "validAt", errors);
        return errors.Any ? (null, errors.ToProblem()) : (new Bitemporal(asOf, validAt), null);
    }

    /// <summary>Whether an event recorded at <paramref name="recordedAt"/> with business time <paramref name="businessTime"/> counts.</summary>
    public bool Includes(DateTimeOffset recordedAt, DateTimeOffset businessTime) =>
        recordedAt <= AsOf && (ValidAt is not { } validAt || businessTime <= validAt);

    /// <summary>
    /// The order in which events make the state: by recording when only asOf is asked, by business time when validAt is,
    /// since an event recorded late (back-dated) may have happened before events recorded earlier.
    /// </summary>
    public IEnumerable<T> InStateOrder<T>(IEnumerable<T> entries, Func<T, DateTimeOffset> businessTime, Func<T, long> sequence) =>
        ValidAt is null ? entries : entries.OrderBy(businessTime).ThenBy(sequence);

    private static DateTimeOffset? Read(HttpRequest request, string name, FieldErrors errors)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (Jst.TryParseBound(text, end: true, out var value))
        {
            return value;
        }

        errors.Add(name, "must be an ISO-8601 date (the end of that day in Japan time) or a date and time.");
        return null;
    }
}
