namespace ProvisionLedger.Api.Infrastructure;

/// <summary>problem+json answers. Validation problems name every bad field, camelCase, as the request spelled it.</summary>
public static class Problems
{
    public static IResult Validation(IDictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, title: "The request has invalid fields.", statusCode: StatusCodes.Status400BadRequest);

    public static IResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult Unprocessable(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            title: "The request conflicts with the ledger's records.", statusCode: StatusCodes.Status422UnprocessableEntity);

    public static IResult NotFound(string what) =>
        Results.Problem(title: $"{what} was not found.", statusCode: StatusCodes.Status404NotFound);

    public static IResult Conflict(string title, string? detail = null) =>
        Results.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static IResult Forbidden(string title) =>
        Results.Problem(title: title, statusCode: StatusCodes.Status403Forbidden);
}

/// <summary>
/// Business times (occurredAt, requestedAt, providedAt, discoveredAt) are the caller's word; they are bounded so that a
/// record cannot be dated where no one would look for it. The floor is the day the My Number Act's numbering took effect:
/// no linkage, inquiry or provision of a My Number can be older.
/// </summary>
public static class BusinessTime
{
    public const string FloorText = "2015-10-05 (JST)";

    public static readonly DateTimeOffset Floor = new(2015, 10, 5, 0, 0, 0, TimeSpan.FromHours(9));
}

/// <summary>Collects field errors for one request.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public string? Required(string field, string? value, int maxLength = 64)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required.");
            return null;
        }

        if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters.");
            return null;
        }

        if (value.Any(char.IsControl))
        {
            Add(field, "must not contain control characters.");
            return null;
        }

        return value;
    }

    public void Optional(string field, string? value, int maxLength = 512)
    {
        if (value is not null && (value.Length > maxLength || value.Any(c => char.IsControl(c) && c != '\n')))
        {
            Add(field, $"must be at most {maxLength} characters, without control characters.");
        }
    }

    public void NotInFuture(string field, DateTimeOffset? value, DateTimeOffset now, TimeSpan skew, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required (ISO-8601 with offset).");
            }
        }
        else if (value > now + skew)
        {
            Add(field, "lies in the future.");
        }
        else if (value < BusinessTime.Floor)
        {
            Add(field, $"lies before {BusinessTime.FloorText}, the earliest business time the ledger accepts.");
        }
    }

    public void OneOf(string field, string? value, IReadOnlyCollection<string> allowed, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, $"is required: one of {string.Join(", ", allowed)}.");
            }
        }
        else if (!allowed.Contains(value))
        {
            Add(field, $"must be one of {string.Join(", ", allowed)}.");
        }
    }

    public IEnumerable<(string Field, string Message)> Entries => _errors.SelectMany(e => e.Value.Select(m => (e.Key, m)));

    public IResult ToProblem(int status = StatusCodes.Status400BadRequest) => Results.ValidationProblem(
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
        title: status == StatusCodes.Status400BadRequest ? "The request has invalid fields." : "The request conflicts with the ledger's records.",
        statusCode: status);
}
