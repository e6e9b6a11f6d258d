using System.Text.RegularExpressions;

namespace LlmKube.Tests.Shared;

/// <summary>One row of the metrics table in docs/OBSERVABILITY.md.</summary>
internal sealed record DocumentedMetric(string Name, string Type, IReadOnlySet<string> Labels);

/// <summary>The metrics table of docs/OBSERVABILITY.md: every metric family the operator exports.</summary>
internal static partial class MetricsTable
{
    public static string Document => RepoPaths.Combine("docs", "OBSERVABILITY.md");

    /// <summary>The rows, by family name.</summary>
    public static IReadOnlyDictionary<string, DocumentedMetric> Read()
    {
        var rows = new Dictionary<string, DocumentedMetric>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Document))
        {
            if (Row().Match(line) is { Success: true } m)
            {
                var labels = Tick().Matches(m.Groups["labels"].Value).Select(l => l.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
                Assert.True(rows.TryAdd(m.Groups["name"].Value, new DocumentedMetric(m.Groups["name"].Value, m.Groups["type"].Value, labels)),
                    $"{m.Groups["name"].Value} is documented twice in {Document}");
            }
        }

        return rows;
    }

    /// <summary>
    /// The family a series name in a query belongs to: itself, or for a histogram's <c>_bucket</c>, <c>_sum</c> and
    /// <c>_count</c> series the histogram; null when no documented family has it.
    /// </summary>
    public static DocumentedMetric? FamilyOf(IReadOnlyDictionary<string, DocumentedMetric> table, string series)
    {
        if (table.TryGetValue(series, out var family))
        {
            return family;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (series.EndsWith(suffix, StringComparison.Ordinal) && table.TryGetValue(series[..^suffix.Length], out var histogram) && histogram.Type == "histogram")
            {
                return histogram;
            }
        }

        return null;
    }

    [GeneratedRegex(@"^\| `(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)` \| (?<type>counter|gauge|histogram|summary) \|(?<labels>[^|]*)\|")]
    private static partial Regex Row();

    [GeneratedRegex("`([a-zA-Z_][a-zA-Z0-9_]*)`")]
    private static partial Regex Tick();
}
