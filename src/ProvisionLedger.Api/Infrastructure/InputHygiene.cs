using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>
/// The rules every request body and route value meets before any endpoint sees it, so that no look-alike of an id is a
/// new id and no invisible character reaches the ledger.
/// <list type="bullet">
/// <item>Identifiers — properties named <c>…Id</c>, <c>…Ids</c>, <c>…Code</c>, <c>by</c> and <c>…By</c>, and every route
/// value — are NFKC-normalised (full-width <c>ＮＷＳ</c> is <c>NWS</c>: the same id) and then limited to
/// <see cref="IdentifierAlphabet"/>, at most <see cref="MaxIdentifierLength"/> characters.</item>
/// <item>Every other string is free text: at most <see cref="MaxTextLength"/> characters, no control characters but tab
/// and line breaks, and no format characters (zero-width, bidi overrides, BOM).</item>
/// <item>Arrays hold at most <see cref="MaxArrayItems"/> items, fewer where <see cref="ArrayLimits"/> says.</item>
/// </list>
/// </summary>
public static class InputHygiene
{
    public const int MaxIdentifierLength = 64;
    public const int MaxTextLength = 2000;
    public const int MaxArrayItems = 100;
    public const string IdentifierAlphabet = "A-Z a-z 0-9 . _ - : @ +";

    /// <summary>Arrays with their own ceiling; the batch's records are counted by its endpoint.</summary>
    public static readonly IReadOnlyDictionary<string, int> ArrayLimits = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["checkerIds"] = 10,
        ["documents"] = 20,
        ["queryItems"] = 10,
        ["records"] = 1000,
    };

    /// <summary>
    /// Route values are identifiers too: normalised before the endpoint binds them, refused with a 400 naming the value.
    /// Runs after authentication and authorization, so a caller without a token learns nothing from the path.
    /// </summary>
    public static IApplicationBuilder UseIdentifierRouteValues(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var values = context.Request.RouteValues;
        foreach (var (key, raw) in values.ToList())
        {
            if (raw is not string text)
            {
                continue;
            }

            var (normalised, problem) = Identifier(text);
            if (problem is not null)
            {
                await Problems.Validation(key, problem).ExecuteAsync(context);
                return;
            }

            values[key] = normalised;
        }

        await next(context);
    });

    public static bool IsIdentifier(string property) =>
        property.EndsWith("Id", StringComparison.Ordinal) || property.EndsWith("Ids", StringComparison.Ordinal)
        || property.EndsWith("Code", StringComparison.Ordinal) || property == "by" || property.EndsWith("By", StringComparison.Ordinal);

    /// <summary>The normalised identifier, or null with the reason it is refused.</summary>
    public static (string? Value, string? Problem) Identifier(string value)
    {
        if (HasInvisible(value))
        {
            return (null, "must not contain control, zero-width or bidirectional formatting characters.");
        }

        var normalised = value.Normalize(NormalizationForm.FormKC);
        if (normalised.Length > MaxIdentifierLength)
        {
            return (null, $"must be at most {MaxIdentifierLength} characters.");
        }

        return normalised.All(IsIdentifierCharacter)
            ? (normalised, null)
            : (null, $"may hold only {IdentifierAlphabet} (after NFKC normalisation).");
    }

    /// <summary>Why a free-text value is refused, or null.</summary>
    public static string? TextProblem(string value)
    {
        if (value.Length > MaxTextLength)
        {
            return $"must be at most {MaxTextLength} characters.";
        }

        return value.Any(c => c is not ('\t' or '\n' or '\r') && IsInvisible(c))
            ? "must not contain control, zero-width or bidirectional formatting characters."
            : null;
    }

    /// <summary>Normalises a request body in place and names every field it refuses.</summary>
    public static void Clean(JsonNode? node, string path, FieldErrors errors)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (IsIdentifier(name))
                    {
                        CleanIdentifiers(obj, name, child, childPath, errors);
                    }
                    else
                    {
                        Clean(child, childPath, errors);
                    }
                }

                break;

            case JsonArray array:
                var limit = ArrayLimits.TryGetValue(LastName(path), out var own) ? own : MaxArrayItems;
                if (array.Count > limit)
                {
                    errors.Add(path, $"must hold at most {limit} items.");
                    return;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    Clean(array[i], $"{path}[{i}]", errors);
                }

                break;

            case JsonValue value when value.TryGetValue<string>(out var text) && TextProblem(text) is { } problem:
                errors.Add(path, problem);
                break;
        }
    }

    private static void CleanIdentifiers(JsonObject parent, string name, JsonNode? child, string path, FieldErrors errors)
    {
        switch (child)
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                var (normalised, problem) = Identifier(text);
                if (problem is not null)
                {
                    errors.Add(path, problem);
                }
                else if (!string.Equals(normalised, text, StringComparison.Ordinal))
                {
                    parent[name] = normalised;
                }

                break;

            case JsonArray array:
                var limit = ArrayLimits.TryGetValue(name, out var own) ? own : MaxArrayItems;
                if (array.Count > limit)
                {
                    errors.Add(path, $"must hold at most {limit} items.");
                    return;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue item && item.TryGetValue<string>(out var element))
                    {
                        var (normalisedItem, itemProblem) = Identifier(element);
                        if (itemProblem is not null)
                        {
                            errors.Add($"{path}[{i}]", itemProblem);
                        }
                        else if (!string.Equals(normalisedItem, element, StringComparison.Ordinal))
                        {
                            array[i] = normalisedItem;
                        }
                    }
                    else
                    {
                        Clean(array[i], $"{path}[{i}]", errors);
                    }
                }

                break;

            default:
                Clean(child, path, errors);
                break;
        }
    }

    private static string LastName(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? path : path[(dot + 1)..];
    }

    private static bool IsIdentifierCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '@' or '+';

    private static bool HasInvisible(string value) => value.Any(IsInvisible);

    private static bool IsInvisible(char c) =>
        char.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator;
}
