using System.Globalization;
using System.Text;
using System.Text.Json;
using ProvisionLedger.Api.Infrastructure;

namespace ProvisionLedger.Api.Linkages.Verifying;

/// <summary>One line of a re-check file: the linkage and the re-check as the single-linkage route takes it.</summary>
public sealed record RecheckLine(int LineNumber, string? LinkageId, VerifyLinkage Command);

/// <summary>
/// A file of periodic re-check results (定期的・体系的な点検), as CSV with a header line or as JSON lines. Parsing reports
/// every bad line by its number and field, as <c>lines[7].occurredAt</c>; lines count from 1, the CSV header included.
/// </summary>
public static class RecheckFile
{
    public static readonly string[] Columns = ["linkageId", "method", "occurredAt", "agreed", "details"];

    private static readonly string[] RequiredColumns = ["linkageId", "method", "occurredAt", "agreed"];

    public static string Field(int line, string field) => $"lines[{line}].{field}";

    public static List<RecheckLine> ParseCsv(string text, FieldErrors errors)
    {
        var lines = new List<RecheckLine>();
        var rows = SplitLines(text);
        var header = rows.FirstOrDefault(r => r.Text.Trim().Length > 0);
        if (header.Text is null)
        {
            errors.Add("body", "is empty: a header line and at least one re-check are required.");
            return lines;
        }

        var names = SplitCsv(header.Text, out _)?.Select(n => n.Trim()).ToList() ?? [];
        foreach (var missing in RequiredColumns.Where(c => !names.Contains(c)))
        {
            errors.Add(Field(header.Number, "header"), $"must name the column {missing} ({string.Join(",", Columns)}).");
        }

        foreach (var unknown in names.Where(n => !Columns.Contains(n)))
        {
            errors.Add(Field(header.Number, "header"), $"names an unknown column \"{unknown}\".");
        }

        if (errors.Any)
        {
            return lines;
        }

        foreach (var (number, row) in rows.Where(r => r.Number > header.Number && r.Text.Trim().Length > 0))
        {
            var cells = SplitCsv(row, out var problem);
            if (cells is null)
            {
                errors.Add(Field(number, "line"), problem!);
                continue;
            }

            if (cells.Count != names.Count)
            {
                errors.Add(Field(number, "line"), $"has {cells.Count} fields; the header names {names.Count}.");
                continue;
            }

            string? Cell(string name) => names.IndexOf(name) is var i and >= 0 && cells[i].Length > 0 ? cells[i] : null;
            DateTimeOffset? occurredAt = null;
            if (Cell("occurredAt") is { } time)
            {
                occurredAt = ParseTime(time);
                if (occurredAt is null)
                {
                    errors.Add(Field(number, "occurredAt"), "must be an ISO-8601 time with offset.");
                }
            }

            bool? agreed = null;
            if (Cell("agreed") is { } flag)
            {
                agreed = flag.Trim() switch { "true" => true, "false" => false, _ => null };
                if (agreed is null)
                {
                    errors.Add(Field(number, "agreed"), "must be true or false.");
                }
            }

            lines.Add(new RecheckLine(number, Cell("linkageId")?.Trim(), new VerifyLinkage(Cell("method")?.Trim(), occurredAt, agreed, Cell("details"))));
        }

        return lines;
    }

    public static List<RecheckLine> ParseJsonLines(string text, JsonSerializerOptions options, FieldErrors errors)
    {
        var lines = new List<RecheckLine>();
        foreach (var (number, row) in SplitLines(text).Where(r => r.Text.Trim().Length > 0))
        {
            try
            {
                var item = JsonSerializer.Deserialize<JsonLine>(row, options);
                if (item is null)
                {
                    errors.Add(Field(number, "line"), "must be a JSON object.");
                    continue;
                }

                lines.Add(new RecheckLine(number, item.LinkageId?.Trim(), new VerifyLinkage(item.Method, item.OccurredAt, item.Agreed, item.Details)));
            }
            catch (JsonException e)
            {
                var field = JsonBody.FieldName(e.Path);
                errors.Add(Field(number, field == "body" ? "line" : field), field == "body" ? "is not a JSON object." : "has a value of the wrong type or format.");
            }
        }

        if (lines.Count == 0 && !errors.Any)
        {
            errors.Add("body", "is empty: at least one re-check is required.");
        }

        return lines;
    }

    private sealed record JsonLine(string? LinkageId, string? Method, DateTimeOffset? OccurredAt, bool? Agreed, string? Details);

    /// <summary>Offsets are required: a re-check time without one would be read in the server's zone.</summary>
    private static DateTimeOffset? ParseTime(string text)
    {
        var t = text.Trim();
        var hasOffset = t.EndsWith('Z') || (t.Length > 6 && (t[^6] is '+' or '-') && t[^3] == ':');
        return hasOffset && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value : null;
    }

    private static List<(int Number, string Text)> SplitLines(string text)
    {
        var rows = new List<(int, string)>();
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            rows.Add((number, line.TrimEnd('\r')));
        }

        return rows;
    }

    /// <summary>One CSV record on one line (RFC 4180 quoting, <c>""</c> for a quote); null with a reason when malformed.</summary>
    private static List<string>? SplitCsv(string line, out string? problem)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"' && cell.Length == 0 && !wasQuoted)
            {
                quoted = wasQuoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
                wasQuoted = false;
            }
            else if (wasQuoted)
            {
                problem = "has text after a closing quote.";
                return null;
            }
            else
            {
                cell.Append(c);
            }
        }

        if (quoted)
        {
            problem = "has an unclosed quote (a field may not span lines).";
            return null;
        }

        cells.Add(cell.ToString());
        problem = null;
        return cells;
    }
}
