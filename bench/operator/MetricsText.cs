using System.Globalization;

namespace LlmKube.Bench.Operator;

/// <summary>Reads the operator's Prometheus text exposition.</summary>
internal static class MetricsText
{
    /// <summary>Every sample of <paramref name="name"/> labelled with <paramref name="controller"/>: the line and its value.</summary>
    public static IEnumerable<(string Line, double Value)> Samples(string metricsText, string name, string controller) => metricsText.Split('\n')
        .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains($"controller=\"{controller}\"", StringComparison.Ordinal))
        .Select(l => (l, double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));

    /// <summary>The value of the sample <paramref name="name"/>, e.g. <c>dotnet_jit_compiled_methods_total 7546</c>; a labelled series is named with its labels.</summary>
    public static double Value(string metricsText, string name) => metricsText.Split('\n')
        .Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
        .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture))
        .Single();

    /// <summary>Reconciles per service in the window: the difference of <c>controller_runtime_reconcile_total</c> (all results) between two scrapes.</summary>
    public static double PassesPerService(string before, string after, string controller, int services) =>
        (ReconcileTotal(after, controller) - ReconcileTotal(before, controller)) / services;

    /// <summary>
    /// What the operator's runtime did between two scrapes, from its own counters (ProcessMetrics in the controller
    /// runtime): bytes allocated, collections by generation and their pauses, JIT, contended locks, exceptions.
    /// </summary>
    public static string RuntimeInWindow(string before, string after, long minorFaults)
    {
        double Delta(string name) => Value(after, name) - Value(before, name);
        double Gc(string generation) => Delta($"dotnet_gc_collections_total{{gc_heap_generation=\"{generation}\"}}");
        return string.Create(CultureInfo.InvariantCulture,
            $"operator runtime in the window: {Delta("dotnet_gc_heap_total_allocated_bytes_total") / 1048576:F0} MiB allocated, collections gen0/gen1/gen2 {Gc("gen0")}/{Gc("gen1")}/{Gc("gen2")} ({Delta("dotnet_gc_pause_time_seconds_total"):F3} s paused), {Delta("dotnet_jit_compiled_methods_total")} methods jitted ({Delta("dotnet_jit_compilation_time_seconds_total"):F3} s), {Delta("dotnet_monitor_lock_contentions_total")} lock contentions, {Delta("dotnet_exceptions_total")} exceptions, {minorFaults} minor page faults");
    }

    /// <summary>Every pass of <paramref name="controller"/> so far, whatever its result.</summary>
    public static double ReconcileTotal(string metricsText, string controller) =>
        Samples(metricsText, "controller_runtime_reconcile_total", controller).Sum(s => s.Value);
}
