using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ProvisionLedger.Api.Infrastructure;

/// <summary>Japan time: for the Japanese texts of reports and findings, and for the periods people ask about.</summary>
public static class Jst
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(9);

    public static string Date(DateTimeOffset t)
    {
        var j = t.ToOffset(Offset);
        return j.ToString("yyyy年M月d日", CultureInfo.InvariantCulture);
    }

    public static string DateTime(DateTimeOffset t)
    {
        var j = t.ToOffset(Offset);
        return j.ToString("yyyy年M月d日 HH:mm", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A period's bound as someone in Japan means it: a bare date is that whole day in Japan time (its first tick as a
    /// start, its last as an end), and a time written without an offset is Japan time. A time with an offset is as given.
    /// </summary>
    public static bool TryParseBound(string? text, bool end, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), Offset);
            value = end ? start.AddDays(1).AddTicks(-1) : start;
            return true;
        }

        if (!System.DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            return false;
        }

        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            value = new DateTimeOffset(parsed, Offset);
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }
}

/// <summary>A JSON period start read by <see cref="Jst.TryParseBound"/>.</summary>
public sealed class JstPeriodStart : JstPeriodBound
{
    public JstPeriodStart()
        : base(end: false)
    {
    }
}

/// <summary>A JSON period end read by <see cref="Jst.TryParseBound"/>: a bare date includes that whole day.</summary>
public sealed class JstPeriodEnd : JstPeriodBound
{
    public JstPeriodEnd()
        : base(end: true)
    {
    }
}

public abstract class JstPeriodBound(bool end) : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String && Jst.TryParseBound(reader.GetString(), end, out var value))
        {
            return value;
        }

        throw new JsonException("An ISO-8601 date, or a date and time, is required.");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
