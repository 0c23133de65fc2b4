using System.CommandLine;
using System.CommandLine.Parsing;

namespace Nn.Cli.Commands;

/// <summary>
/// "Did you mean …?" for a mistyped command, option or option value. System.CommandLine 2.0 offers
/// typo corrections only through its own parse-error action, which prints them on lines of their
/// own after a help text; nn reports every error on one line, so it finds the nearest names itself.
/// </summary>
internal static class Suggestions
{
    /// <summary>" Did you mean --epochs?" for the first word the parser did not recognise, or empty.</summary>
    public static string ForUnmatched(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count == 0)
        {
            return string.Empty;
        }

        Command command = parse.CommandResult.Command;
        IEnumerable<string> options = command.Options.Concat(Ancestors(parse.CommandResult).SelectMany(c => c.Options.Where(o => o.Recursive)))
            .Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name));
        IEnumerable<string> commands = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
        return DidYouMean(parse.UnmatchedTokens[0], [.. options, .. commands]);
    }

    /// <summary>" Did you mean relu?" when one or two of <paramref name="names"/> are close to <paramref name="typed"/>, else empty.</summary>
    public static string DidYouMean(string typed, IReadOnlyCollection<string> names)
    {
        string[] closest = Closest(typed, names);
        return closest.Length == 0 ? string.Empty : $" Did you mean {string.Join(" or ", closest)}?";
    }

    /// <summary>
    /// The names at the smallest edit distance from <paramref name="typed"/> (insertions, deletions,
    /// substitutions and swaps of neighbours, ignoring case), if it is at most a third of the typed
    /// length (at least 1); else the one name that starts with the typed text. At most two names.
    /// </summary>
    public static string[] Closest(string typed, IReadOnlyCollection<string> names)
    {
        int limit = Math.Max(1, typed.TrimStart('-').Length / 3);
        var scored = names.Distinct(StringComparer.Ordinal).Select(n => (Name: n, Distance: Distance(typed.ToLowerInvariant(), n.ToLowerInvariant()))).Where(s => s.Distance <= limit).ToList();
        if (scored.Count > 0)
        {
            int best = scored.Min(s => s.Distance);
            string[] nearest = [.. scored.Where(s => s.Distance == best).Select(s => s.Name)];
            return nearest.Length <= 2 ? nearest : [];
        }

        string[] extensions = [.. names.Where(n => typed.TrimStart('-').Length >= 3 && n.StartsWith(typed, StringComparison.OrdinalIgnoreCase))];
        return extensions.Length == 1 ? extensions : [];
    }

    /// <summary>The optimal-string-alignment distance: Levenshtein's, plus a swap of two neighbours as one edit.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static IEnumerable<Command> Ancestors(CommandResult result)
    {
        for (SymbolResult? parent = result.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is CommandResult { Command: { } command })
            {
                yield return command;
            }
        }
    }
}
