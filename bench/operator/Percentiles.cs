using System.Globalization;

namespace LlmKube.Bench.Operator;

/// <summary>Medians, and percentiles from a Prometheus histogram's cumulative buckets (linear inside a bucket).</summary>
internal static class Percentiles
{
    /// <summary>The median of <paramref name="values"/> (the mean of the middle two when their count is even).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static (double P50, double P99) FromHistogram(string metricsText, string name, string controller)
    {
        var buckets = MetricsText.Samples(metricsText, name + "_bucket", controller)
            .Select(s =>
            {
                var le = s.Line[(s.Line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
                le = le[..le.IndexOf('"', StringComparison.Ordinal)];
                var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
                return (Bound: bound, Count: s.Value);
            })
            .OrderBy(b => b.Bound)
            .ToList();
        return (Quantile(buckets, 0.50), Quantile(buckets, 0.99));
    }

    private static double Quantile(List<(double Bound, double Count)> buckets, double q)
    {
        if (buckets.Count == 0 || buckets[^1].Count == 0)
        {
            return double.NaN;
        }

        var target = q * buckets[^1].Count;
        var (lower, below) = (0.0, 0.0);
        foreach (var (bound, count) in buckets)
        {
            if (count >= target)
            {
                return double.IsPositiveInfinity(bound) ? lower : lower + ((bound - lower) * (target - below) / Math.Max(count - below, 1));
            }

            (lower, below) = (bound, count);
        }

        return lower;
    }
}
