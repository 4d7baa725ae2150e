using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// Reads a JSON body so that a value of the wrong type is reported against its field, and an empty or malformed body
/// as a 400 problem rather than an exception.
/// </summary>
public static class JsonBody
{
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request) where T : class
    {
        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, request.HttpContext.RequestAborted);
            return value is null ? (null, Problems.Validation("body", "A JSON object is required.")) : (value, null);
        }
        catch (JsonException e)
        {
            var field = FieldName(e.Path);
            return (null, Problems.Validation(field, field == "body" ? "is not valid JSON." : "has a value of the wrong type or format."));
        }
    }

    /// <summary>Turns <c>$.evidence.candidateCount</c> into <c>evidence.candidateCount</c>.</summary>
    public static string FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
