using System.Globalization;

namespace LlmKube.Bench.Operator;

/// <summary>Reads counters from the operator's Prometheus text exposition.</summary>
internal static class MetricsText
{
    /// <summary>The sum of every series of counter <paramref name="name"/> labelled with <paramref name="controller"/> (all results).</summary>
    public static double Sum(string metricsText, string name, string controller) => metricsText.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"controller=\"{controller}\"", StringComparison.Ordinal))
        .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    /// <summary>Reconciles per service in the window: the difference of <c>controller_runtime_reconcile_total</c> between two scrapes.</summary>
    public static double PassesPerService(string before, string after, string controller, int services) =>
        (Sum(after, "controller_runtime_reconcile_total", controller) - Sum(before, "controller_runtime_reconcile_total", controller)) / services;
}
