using System.CommandLine;
using System.CommandLine.Parsing;

namespace ProvisionLedger.Cli;

/// <summary>Parse errors as one line: an unknown option first (with the nearest real one), else the parser's own words.</summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var path = command is RootCommand ? CliApp.Name : $"{CliApp.Name} {command.Name}";
        var unknownCommand = command is RootCommand ? parse.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-')) : null;
        var unknownOption = parse.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-'));
        var what = unknownCommand is not null
            ? $"unknown command {unknownCommand}{Suggest(command.Subcommands.Select(c => c.Name), unknownCommand)}"
            : unknownOption is not null
            ? $"unknown option {unknownOption}{Suggest(command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)), unknownOption)}"
            : string.Join("; ", parse.Errors.Select(Message));
        return $"{what}; see `{path} --help`";
    }

    /// <summary>The parser's message without its full stop, naming the option when the message does not.</summary>
    private static string Message(ParseError error)
    {
        var message = error.Message.TrimEnd('.');
        return error.SymbolResult is OptionResult { Option: var option } && !message.Contains(option.Name, StringComparison.Ordinal)
            ? $"{option.Name}: {message}"
            : message;
    }

    private static string Suggest(IEnumerable<string> names, string typed) =>
        names
            .Select(name => (Name: name, Distance: Distance(name, typed)))
            .Where(c => c.Distance <= Math.Max(2, c.Name.Length / 4))
            .OrderBy(c => c.Distance)
            .Select(c => $" (did you mean {c.Name}?)")
            .FirstOrDefault() ?? "";

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
