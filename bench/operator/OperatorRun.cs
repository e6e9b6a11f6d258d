using System.Diagnostics;
using System.Globalization;

namespace LlmKube.Bench.Operator;

/// <summary>The operator run of one pair: its window, and what only an operator has (memory, start-up, reconcile latency, its own CPU).</summary>
/// <param name="ModelPasses">Model reconciles per service in the window.</param>
/// <param name="ServicePasses">InferenceService reconciles per service in the window (a perfect operator: 1).</param>
/// <param name="OperatorJitMethods">
/// Methods the operator's JIT compiled from the moment its count went quiet before the window (JitQuiet) to the scrape
/// after it: its tier-up inside the window, about 100 once past the warm-up (README, session 14).
/// </param>
/// <param name="Restart">The operator started again against the full sandbox (<see cref="RestartMeasurement"/>).</param>
internal sealed record OperatorMeasurement(WindowMeasurement Window, double PeakRssMiB, double StartupSeconds, double ReconcileP50Ms, double ReconcileP99Ms, double OperatorCpuSeconds,
    double ModelPasses, double ServicePasses, long OperatorJitMethods, RestartMeasurement Restart);

/// <summary>
/// A restart against the full sandbox, followed until each controller has made a pass per object: the moment a memory
/// limit must survive (every list decoded, every object reconciled once), which the window's peak does not show.
/// </summary>
/// <param name="PeakRssMiB">VmHWM once the first passes are done: the process's peak so far.</param>
/// <param name="FirstPassesSeconds">From process start to the last of those passes; NaN if they did not finish in time.</param>
/// <param name="Writes">The operator's requests other than get, list and watch from its start to then: 0 for a level-triggered operator restarted on a converged cluster.</param>
internal sealed record RestartMeasurement(double PeakRssMiB, double FirstPassesSeconds, long Writes);

/// <summary>
/// The real operator binary against a fresh sandbox: started and waited on until <c>/readyz</c>; then, timed, the
/// bench applies the Models and InferenceServices and waits until the observer sees every Deployment, Service and
/// status as wanted. Then the operator is started again against the full sandbox, for the start-up time.
/// </summary>
internal static class OperatorRun
{
    private const string JitMethodsMetric = "dotnet_jit_compiled_methods_total";

    public static async Task<OperatorMeasurement> RunAsync(Workload workload, string operatorBuild)
    {
        await using var sandbox = await BenchSandbox.StartAsync(workload);
        WindowMeasurement window;
        double rss, p50, p99, operatorCpu, modelPasses, servicePasses;
        long operatorJit;
        await using (var op = await BenchOperator.StartAsync(operatorBuild, sandbox.OperatorKubeconfig))
        {
            var metricsBefore = await WarmUpAsync(sandbox, op);
            using var convergence = new Convergence(sandbox.Server.BaseAddress, sandbox.Server.AdminToken, workload);
            await convergence.OpenedAsync();
            // The operator's background tier-up of the warm-up's code is over before the window, as in an operator that
            // has been running (README, session 14).
            await JitQuiet.WaitAsync("the operator", async () => (long)MetricsText.Value(await op.MetricsAsync(), JitMethodsMetric));
            // One more scrape, of code the JIT-quiet wait has already run: every runtime counter of the window, the JIT
            // count included, starts here.
            var runtimeBefore = await op.MetricsAsync();
            var faultsBefore = op.MinorFaults();
            var timed = await TimedWindow.OpenAsync(sandbox.Server);
            var cpuBefore = op.CpuSeconds();
            await workload.CreateCustomResourcesAsync(sandbox.Admin, parallelism: 8);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  apply of {workload.Services * 2} objects done after {timed.Elapsed.TotalSeconds:F2} s"));
            await convergence.WaitAllCorrectAsync(workload, stall: TimeSpan.FromMinutes(1));
            window = timed.Close();
            operatorCpu = op.CpuSeconds() - cpuBefore;
            var faults = op.MinorFaults() - faultsBefore;
            rss = op.PeakRssMiB();
            await op.GcDumpAsync();
            var metrics = await op.MetricsAsync();
            (p50, p99) = Percentiles.FromHistogram(metrics, "controller_runtime_reconcile_time_seconds", "inferenceservice");
            modelPasses = MetricsText.PassesPerService(metricsBefore, metrics, "model", workload.Services);
            servicePasses = MetricsText.PassesPerService(metricsBefore, metrics, "inferenceservice", workload.Services);
            operatorJit = (long)(MetricsText.Value(metrics, JitMethodsMetric) - MetricsText.Value(runtimeBefore, JitMethodsMetric));
            Console.Error.WriteLine("  " + MetricsText.RuntimeInWindow(runtimeBefore, metrics, faults));
            foreach (var line in metrics.Split('\n').Where(l => MemoryOrReconcileLine(l)))
            {
                Console.Error.WriteLine("  " + line);
            }
        }

        await PerfectStatus.CheckModelsAsync(sandbox.Admin, workload);
        sandbox.Server.Control.ResetRequestCounts();
        var startup = Stopwatch.StartNew();
        double startupSeconds;
        RestartMeasurement restart;
        await using (var restarted = await BenchOperator.StartAsync(operatorBuild, sandbox.OperatorKubeconfig))
        {
            startupSeconds = startup.Elapsed.TotalSeconds;
            restart = await FirstPassesAsync(restarted, sandbox, workload, startup);
        }

        return new OperatorMeasurement(window, rss, startupSeconds, p50 * 1000, p99 * 1000, operatorCpu, modelPasses, servicePasses, operatorJit, restart);
    }

    /// <summary>
    /// Waits, up to two minutes, until the restarted operator's Model and InferenceService controllers have each made as many
    /// passes as the sandbox holds objects of their kind (the window's and the warm-ups'), then reads its peak RSS and its writes.
    /// </summary>
    private static async Task<RestartMeasurement> FirstPassesAsync(BenchOperator restarted, BenchSandbox sandbox, Workload workload, Stopwatch sinceStart)
    {
        var objects = Workload.AllWarmUps.Sum(w => w.Services) + workload.Services;
        var deadline = sinceStart.Elapsed + TimeSpan.FromMinutes(2);
        var seconds = double.NaN;
        while (sinceStart.Elapsed < deadline)
        {
            var metrics = await restarted.MetricsAsync();
            if (MetricsText.ReconcileTotal(metrics, "model") >= objects && MetricsText.ReconcileTotal(metrics, "inferenceservice") >= objects)
            {
                seconds = sinceStart.Elapsed.TotalSeconds;
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        if (double.IsNaN(seconds))
        {
            Console.Error.WriteLine($"  restart: the controllers had not made {objects} passes each after two minutes");
        }

        var writes = sandbox.Server.Control.GetRequestCounts().Entries
            .Where(c => c.User == BenchOperator.User && c.Verb is not ("get" or "list" or "watch")).ToList();
        foreach (var write in writes)
        {
            Console.Error.WriteLine($"  restart wrote: {write.Verb} {write.Resource} {write.Subresource} {write.Code} x{write.Count}");
        }

        return new RestartMeasurement(restarted.PeakRssMiB(), seconds, writes.Sum(c => c.Count));
    }

    /// <summary>
    /// Converges <see cref="Workload.WarmUp"/>, pauses, converges <see cref="Workload.WarmUpAgain"/> and gives the JIT's
    /// background tier-up a moment: a production operator is long past its start-up, and the bare loop runs in a process
    /// warmed by the runs before it (Program.cs). One round was not enough: the runtime starts counting a method's calls
    /// for tier-up only after a pause in new activity, so methods first called in one burst were counted only in the
    /// timed window. Runs where that happened had 4,700 jitted methods instead of 7,400 and used 3.5 instead of 2 CPU-s
    /// in the window (README, 17:20 run); the second round is counted. Returns the operator's metrics after the last round:
    /// scraped before the pauses, because a scrape runs code nothing else does (prometheus-net's serializer, /proc reads),
    /// and its tier-up must not land in the window (README, session 9).
    /// </summary>
    private static async Task<string> WarmUpAsync(BenchSandbox sandbox, BenchOperator op)
    {
        string? metrics = null;
        foreach (var warm in Workload.AllWarmUps)
        {
            await warm.CreateNamespacesAsync(sandbox.Admin);
            using var convergence = new Convergence(sandbox.Server.BaseAddress, sandbox.Server.AdminToken, warm);
            await convergence.OpenedAsync();
            await warm.CreateCustomResourcesAsync(sandbox.Admin, parallelism: 8);
            await convergence.WaitAllCorrectAsync(warm, stall: TimeSpan.FromMinutes(1));
            metrics = await op.MetricsAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        return metrics!;
    }

    /// <summary>Reconcile counts, where the memory is (managed heap by generation, GC-committed, resident) and how many methods were jitted, on stderr.</summary>
    private static bool MemoryOrReconcileLine(string line) =>
        (line.StartsWith("controller_runtime_reconcile_total", StringComparison.Ordinal) && !line.EndsWith(" 0", StringComparison.Ordinal))
        || line.StartsWith("dotnet_gc_last_collection_heap_size_bytes", StringComparison.Ordinal)
        || line.StartsWith("dotnet_gc_last_collection_memory_committed_size_bytes", StringComparison.Ordinal)
        || line.StartsWith("process_resident_memory_bytes", StringComparison.Ordinal)
        || line.StartsWith(JitMethodsMetric, StringComparison.Ordinal);
}
