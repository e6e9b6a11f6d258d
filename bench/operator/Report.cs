using System.Globalization;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>One bare-loop run and the operator run right after it, on the same size.</summary>
internal sealed record BenchPair(int Index, string LoadAverage, WindowMeasurement Bare, OperatorMeasurement Operator)
{
    public double Ratio => Operator.Window.Seconds / Bare.Seconds;
}

/// <summary>The bench's markdown: a row per pair, the medians, and the request table that shows both runs did the same work.</summary>
internal static class Report
{
    public const string PairHeader =
        "| pair | load 1 min | bare loop s | operator s | ratio | requests in window bare / operator | operator requests/service | passes/service Model + InferenceService | peak RSS MiB | start-up to ready s | reconcile p50 ms | reconcile p99 ms | CPU-s: bare run / operator + bench | bench JIT methods in window bare / operator | operator JIT methods in window | restart: peak RSS MiB / s to a pass per object / writes |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    public const string SummaryHeader =
        "| services | namespaces | pairs | bare loop s | operator s | ratio | operator requests/service | passes/service Model + InferenceService | peak RSS MiB | start-up to ready s | reconcile p50 ms | reconcile p99 ms | restart: peak RSS MiB / s to a pass per object / writes |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    public static string PairRow(BenchPair pair, int services)
    {
        var (bare, op) = (pair.Bare, pair.Operator);
        return Invariant($"| {pair.Index} | {pair.LoadAverage} | {bare.Seconds:F2} | {op.Window.Seconds:F2} | {pair.Ratio:F2}x | {NonWatch(bare.Requests)} / {NonWatch(op.Window.Requests)} | {OperatorRequests(op.Window.Requests) / (double)services:F2} | {op.ModelPasses:F2} + {op.ServicePasses:F2} | {op.PeakRssMiB:F0} | {op.StartupSeconds:F2} | {op.ReconcileP50Ms:F1} | {op.ReconcileP99Ms:F1} | {bare.BenchCpuSeconds:F1} / {op.OperatorCpuSeconds:F1} + {op.Window.BenchCpuSeconds:F1} | {bare.BenchJitMethods} / {op.Window.BenchJitMethods} | {op.OperatorJitMethods} | {op.Restart.PeakRssMiB:F0} / {op.Restart.FirstPassesSeconds:F2} / {op.Restart.Writes} |");
    }

    public static string MedianRow(IReadOnlyList<BenchPair> pairs, int services) => Invariant(
        $"| median | | {Median(pairs, p => p.Bare.Seconds):F2} | {Median(pairs, p => p.Operator.Window.Seconds):F2} | {Median(pairs, p => p.Ratio):F2}x | | {Median(pairs, p => OperatorRequests(p.Operator.Window.Requests) / (double)services):F2} | {Passes(pairs)} | {Median(pairs, p => p.Operator.PeakRssMiB):F0} | {Median(pairs, p => p.Operator.StartupSeconds):F2} | {Median(pairs, p => p.Operator.ReconcileP50Ms):F1} | {Median(pairs, p => p.Operator.ReconcileP99Ms):F1} | {Median(pairs, p => p.Bare.BenchCpuSeconds):F1} / {Median(pairs, p => p.Operator.OperatorCpuSeconds):F1} + {Median(pairs, p => p.Operator.Window.BenchCpuSeconds):F1} | {Median(pairs, p => p.Bare.BenchJitMethods):F0} / {Median(pairs, p => p.Operator.Window.BenchJitMethods):F0} | {Median(pairs, p => p.Operator.OperatorJitMethods):F0} | {Restart(pairs)} |");

    public static string SummaryRow(Workload workload, IReadOnlyList<BenchPair> pairs) => Invariant(
        $"| {workload.Services} | {workload.Namespaces} | {pairs.Count} | {Median(pairs, p => p.Bare.Seconds):F2} | {Median(pairs, p => p.Operator.Window.Seconds):F2} | {Median(pairs, p => p.Ratio):F2}x | {Median(pairs, p => OperatorRequests(p.Operator.Window.Requests) / (double)workload.Services):F2} | {Passes(pairs)} | {Median(pairs, p => p.Operator.PeakRssMiB):F0} | {Median(pairs, p => p.Operator.StartupSeconds):F2} | {Median(pairs, p => p.Operator.ReconcileP50Ms):F1} | {Median(pairs, p => p.Operator.ReconcileP99Ms):F1} | {Restart(pairs)} |");

    /// <summary>
    /// Requests answered in each run's window by identity, verb, resource and status code, side by side: equal work
    /// shows as equal counts. Watches opened before the window (the operator's informers, the observer) are not in it.
    /// </summary>
    public static string RequestTable(BenchPair pair)
    {
        static Dictionary<(string, string, string, int), long> Group(IEnumerable<RequestCount> counts) => counts
            .GroupBy(c => (c.User == BenchOperator.User ? "operator" : "bench", c.Verb, c.Subresource.Length > 0 ? $"{c.Resource}/{c.Subresource}" : c.Resource, c.Code))
            .ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
        var bare = Group(pair.Bare.Requests);
        var op = Group(pair.Operator.Window.Requests);
        var rows = bare.Keys.Union(op.Keys).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item3, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal).ThenBy(k => k.Item4)
            .Select(k => Invariant($"| {k.Item1} | {k.Item2} | {k.Item3} | {k.Item4} | {bare.GetValueOrDefault(k)} | {op.GetValueOrDefault(k)} | {op.GetValueOrDefault(k) - bare.GetValueOrDefault(k):+0;-0;0} |"));
        return $"requests in the timed window, pair {pair.Index}:\n\n| by | verb | resource | code | bare loop | operator run | operator − bare |\n|---|---|---|---|---|---|---|\n{string.Join('\n', rows)}\n";
    }

    /// <summary>The restarts' medians; the writes as a sum, since any write on a converged cluster is a finding.</summary>
    private static string Restart(IReadOnlyList<BenchPair> pairs) =>
        Invariant($"{Median(pairs, p => p.Operator.Restart.PeakRssMiB):F0} / {Median(pairs, p => p.Operator.Restart.FirstPassesSeconds):F2} / {pairs.Sum(p => p.Operator.Restart.Writes)}");

    private static string Passes(IReadOnlyList<BenchPair> pairs) =>
        Invariant($"{Median(pairs, p => p.Operator.ModelPasses):F2} + {Median(pairs, p => p.Operator.ServicePasses):F2}");

    private static long NonWatch(IEnumerable<RequestCount> counts) => counts.Where(c => c.Verb != "watch").Sum(c => c.Count);

    private static long OperatorRequests(IEnumerable<RequestCount> counts) => NonWatch(counts.Where(c => c.User == BenchOperator.User));

    private static double Median(IReadOnlyList<BenchPair> pairs, Func<BenchPair, double> value) => Percentiles.Median(pairs.Select(value));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
