using System.Text.RegularExpressions;

namespace Packaging.Tests;

/// <summary>A series selector in a PromQL expression: the metric name and the label names it matches on or groups by.</summary>
internal sealed record SeriesSelector(string Metric, IReadOnlyList<string> Labels);

/// <summary>
/// Just enough PromQL to find which series an alert or a panel reads: metric names (identifiers that are not
/// functions, keywords or label names), the labels in their matchers, and the labels of <c>by</c>/<c>without</c>/
/// <c>on</c>/<c>ignoring</c> clauses (attributed to every metric of the expression). Grafana's
/// <c>label_values(metric, label)</c> is understood too.
/// </summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan",
    };

    public static IReadOnlyList<SeriesSelector> Selectors(string expr)
    {
        ArgumentNullException.ThrowIfNull(expr);
        if (LabelValues().Match(expr) is { Success: true } lv)
        {
            return [new SeriesSelector(lv.Groups[1].Value, [lv.Groups[2].Value])];
        }

        // Strings (label values, regexes) and range/offset durations carry no names.
        var text = Strings().Replace(expr, "\"\"");
        text = Ranges().Replace(text, "[]");
        var grouping = GroupingClause().Matches(text).SelectMany(m => Identifiers(m.Groups[1].Value)).ToList();
        text = GroupingClause().Replace(text, " ");

        var selectors = new List<SeriesSelector>();
        var i = 0;
        while (Identifier().Match(text, i) is { Success: true } m)
        {
            i = m.Index + m.Length;
            var name = m.Value;
            var next = text[i..].TrimStart();
            if (Keywords.Contains(name) || next.StartsWith('(') || (m.Index > 0 && char.IsDigit(text[m.Index - 1])))
            {
                continue; // a keyword, a function, or the exponent of a number
            }

            var labels = new List<string>(grouping);
            if (next.StartsWith('{'))
            {
                var open = text.IndexOf('{', i);
                var close = text.IndexOf('}', open);
                labels.AddRange(MatcherLabel().Matches(text[(open + 1)..close]).Select(l => l.Groups[1].Value));
                i = close + 1;
            }

            selectors.Add(new SeriesSelector(name, labels));
        }

        // A bare matcher ({job="x"}) has no name: not possible in these files, and worth a failure if it appears.
        return selectors;
    }

    private static IEnumerable<string> Identifiers(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.Length > 0);

    [GeneratedRegex(@"^\s*label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")]
    private static partial Regex GroupingClause();

    [GeneratedRegex(@"[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")]
    private static partial Regex MatcherLabel();
}
