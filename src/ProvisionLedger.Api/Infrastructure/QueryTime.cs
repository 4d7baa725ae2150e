namespace ProvisionLedger.Api.Infrastructure;

/// <summary>The <c>from</c> and <c>to</c> query values of the listings: a whole day in Japan time, or a date and time.</summary>
public static class QueryTime
{
    public static DateTimeOffset? Read(HttpRequest request, string name, FieldErrors errors)
    {
        var text = request.Query[name].ToString();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (Jst.TryParseBound(text, end: name == "to", out var value))
        {
            return value;
        }

        errors.Add(name, "must be an ISO-8601 date (a whole day in Japan time) or a date and time.");
        return null;
    }
}
