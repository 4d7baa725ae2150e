using System.Text.Json;
using System.Text.Json.Nodes;
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
        // Parse first, bind second: the serializer reports a syntax error with the path it had reached, which would
        // blame a field for a truncated or malformed body.
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions
            {
                AllowTrailingCommas = options.AllowTrailingCommas,
                CommentHandling = options.ReadCommentHandling,
                MaxDepth = options.MaxDepth,
            }, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return (null, Problems.Validation("body", "is not valid JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, Problems.Validation("body", "A JSON object is required."));
            }

            // Identifiers normalised and checked, free text checked, before anything binds (InputHygiene).
            var node = JsonObject.Create(document.RootElement)!;
            var refused = new FieldErrors();
            InputHygiene.Clean(node, "", refused);
            if (refused.Any)
            {
                return (null, refused.ToProblem());
            }

            try
            {
                var value = node.Deserialize<T>(options);
                return value is null ? (null, Problems.Validation("body", "A JSON object is required.")) : (value, null);
            }
            catch (JsonException e)
            {
                return (null, Problems.Validation(FieldName(e.Path), "has a value of the wrong type or format."));
            }
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
