using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace ProvisionLedger.Api.Infrastructure.OpenApi;

/// <summary>
/// What the OpenAPI document says about one route beyond what the endpoint's signature shows: most endpoints read their
/// body and query by hand (<see cref="JsonBody"/>) and answer <see cref="IResult"/>, so the body type, the query
/// parameters and every answer are declared here, once, and <see cref="ContractTransformers"/> writes them into the
/// document. Roles come from the endpoint's own <c>[Authorize]</c>.
/// </summary>
public sealed record OperationContract(string Method, string Route, string OperationId, string Tag, string Summary, string Description)
{
    /// <summary>The request body's type, read as <see cref="BodyMediaTypes"/>; null for no body.</summary>
    public Type? Body { get; init; }

    public string[] BodyMediaTypes { get; init; } = ["application/json"];

    /// <summary>False where the body may be left out (ending a protection needs nothing but its id).</summary>
    public bool BodyRequired { get; init; } = true;

    /// <summary>A body with no schema of a CLR type (a file): described by this schema instead.</summary>
    public Func<OpenApiSchema>? BodySchema { get; init; }

    /// <summary>An example body, as JSON text (or the file's text for a non-JSON body).</summary>
    public string? Example { get; init; }

    /// <summary>Examples for the other media types of <see cref="BodyMediaTypes"/>, by media type.</summary>
    public IReadOnlyDictionary<string, string> MediaExamples { get; init; } = new Dictionary<string, string>();

    public QueryParameter[] Query { get; init; } = [];

    /// <summary>Every status the route answers with. Problem statuses without a body type answer problem+json.</summary>
    public Answer[] Answers { get; init; } = [];

    public string Key => $"{Method} {Route}";
}

/// <summary>A query parameter with its schema and constraints.</summary>
public sealed record QueryParameter(string Name, string Description, Func<OpenApiSchema> Schema, bool Required = false);

/// <summary>
/// One answer: a status, what it means, and its body: <see cref="Body"/> as JSON, or <see cref="MediaType"/> with a
/// string body, or (for 4xx/5xx without either) problem+json, with <c>errors</c> for 400 and 422.
/// </summary>
public sealed record Answer(int Status, string Description, Type? Body = null, string? MediaType = null)
{
    public bool IsProblem => Body is null && MediaType is null && Status >= 400;

    public bool HasNoBody => Body is null && MediaType is null && Status < 400;
}

/// <summary>Schemas for query parameters and hand-made bodies.</summary>
public static class Schemas
{
    public const string IdentifierPattern = "^[A-Za-z0-9._:@+-]{1,64}$";
    public const string MyNumberPattern = "^[0-9]{12}$";

    public static OpenApiSchema Identifier(string? description = null) => new()
    {
        Type = JsonSchemaType.String,
        Pattern = IdentifierPattern,
        MaxLength = InputHygiene.MaxIdentifierLength,
        Description = description,
    };

    public static OpenApiSchema Text(int maxLength = InputHygiene.MaxTextLength) => new() { Type = JsonSchemaType.String, MaxLength = maxLength };

    public static OpenApiSchema DateTime() => new()
    {
        Type = JsonSchemaType.String,
        Description = "ISO-8601: a date (a whole day in Japan time), or a date and time; without an offset it is Japan time.",
        Examples = [JsonValue.Create("2025-04-01T09:00:00+09:00")!],
    };

    public static OpenApiSchema Month() => new() { Type = JsonSchemaType.String, Pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", Examples = [JsonValue.Create("2025-04")!] };

    public static OpenApiSchema Enum(params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
    };

    public static OpenApiSchema WholeNumber(int minimum, int maximum) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static OpenApiSchema Cursor() => new()
    {
        Type = JsonSchemaType.String,
        MaxLength = 512,
        Description = "The nextCursor of the previous page, unchanged; it is bound to the other query parameters.",
    };

    public static OpenApiSchema TrueOrFalse() => Enum("true", "false");

    public static QueryParameter From(string what = "the period") =>
        new("from", $"Start of {what} (inclusive). A bare date is the start of that day in Japan time.", DateTime);

    public static QueryParameter To(string what = "the period") =>
        new("to", $"End of {what} (inclusive). A bare date is the end of that day in Japan time.", DateTime);

    public static QueryParameter Cursor(string listing) => new("cursor", $"Continues {listing} where the previous page ended.", Cursor);

    public static QueryParameter PageSize(PageLimits limits) =>
        new("pageSize", $"Items per page, 1 to {limits.MaxSize} (default {limits.DefaultSize}).", () => WholeNumber(1, limits.MaxSize));
}
