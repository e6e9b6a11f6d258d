using System.CommandLine;

namespace LlmKube.Cli.Help;

/// <summary>"did you mean …?" for a mistyped command or flag (and, through <see cref="Nearest"/>, a mistyped catalog id).</summary>
internal static class TypoHints
{
    /// <summary>One hint per unmatched token that is close to a command or flag valid at that point.</summary>
    public static IEnumerable<string> For(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        // A mistyped flag can also be taken as an argument's value (list --all-namespace), which is then refused.
        var dashedValues = parse.Tokens.Where(t => t.Type == System.CommandLine.Parsing.TokenType.Argument && t.Value.StartsWith("--", StringComparison.Ordinal)).Select(t => t.Value);
        foreach (var token in parse.UnmatchedTokens.Concat(dashedValues).Distinct(StringComparer.Ordinal))
        {
            var candidates = token.StartsWith('-') ? OptionNames(command) : command.Subcommands.SelectMany(c => c.Aliases.Prepend(c.Name));
            var nearest = Nearest(token, candidates);
            if (nearest.Count > 0)
            {
                yield return $"did you mean {string.Join(" or ", nearest.Select(n => $"'{n}'"))} instead of '{token}'?";
            }
        }
    }

    /// <summary>
    /// The candidates closest to <paramref name="word"/>: within an edit distance of a third of its length (at least 1,
    /// a swap of two letters counting as one edit), or starting with it once both lose their punctuation (phi4 for
    /// phi-4-mini); the best ones, at most three.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string word, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(word);
        var limit = Math.Max(1, word.TrimStart('-').Length / 3);
        var bare = LettersAndDigits(word);
        var scored = candidates.Distinct(StringComparer.Ordinal)
            .Select(c => (Candidate: c, Distance: bare.Length > 1 && LettersAndDigits(c).StartsWith(bare, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(word, c)))
            .Where(s => s.Distance <= limit)
            .ToList();
        if (scored.Count == 0)
        {
            return [];
        }

        var best = scored.Min(s => s.Distance);
        return scored.Where(s => s.Distance == best).Select(s => s.Candidate).Order(StringComparer.Ordinal).Take(3).ToList();
    }

    private static IEnumerable<string> OptionNames(Command command)
    {
        var own = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name));
        var inherited = command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)).SelectMany(o => o.Aliases.Prepend(o.Name));
        return own.Concat(inherited).Where(n => n.StartsWith("--", StringComparison.Ordinal));
    }

    private static string LettersAndDigits(string text) => string.Concat(text.Where(char.IsLetterOrDigit));

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
