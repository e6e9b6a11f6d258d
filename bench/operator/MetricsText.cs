using System.Globalization;

namespace LlmKube.Bench.Operator;

/// <summary>Reads the operator's Prometheus text exposition.</summary>
internal static class MetricsText
{
    /// <summary>Every sample of <paramref name="name"/> labelled with <paramref name="controller"/>: the line and its value.</summary>
    public static IEnumerable<(string Line, double Value)> Samples(string metricsText, string name, string controller) => metricsText.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"controller=\"{controller}\"", StringComparison.Ordinal))
        .Select(l => (l, double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));

    /// <summary>The value of the unlabelled sample <paramref name="name"/>, e.g. <c>dotnet_jit_compiled_methods_total 7546</c>.</summary>
    public static double Value(string metricsText, string name) => metricsText.Split('\n')
        .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
        .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture))
        .Single();

    /// <summary>Reconciles per service in the window: the difference of <c>controller_runtime_reconcile_total</c> (all results) between two scrapes.</summary>
    public static double PassesPerService(string before, string after, string controller, int services) =>
        (ReconcileTotal(after, controller) - ReconcileTotal(before, controller)) / services;

    private static double ReconcileTotal(string metricsText, string controller) =>
        Samples(metricsText, "controller_runtime_reconcile_total", controller).Sum(s => s.Value);
}
