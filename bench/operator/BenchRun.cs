using System.Diagnostics;
using System.Globalization;
using k8s;
using LlmKube.Api.Schema;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>One size: the bare-loop baseline, then the operator from apply to every Deployment correct, then a cold restart.</summary>
internal sealed record BenchRun(int Services, int Namespaces, double BareSeconds, double OperatorSeconds, double RequestsPerService, double WritesPerService,
    double PeakRssMiB, double StartupSeconds, double ReconcileP50Ms, double ReconcileP99Ms)
{
    public string ToMarkdownRow() => string.Create(CultureInfo.InvariantCulture,
        $"| {Services} | {Namespaces} | {BareSeconds:F2} | {OperatorSeconds:F2} | {OperatorSeconds / BareSeconds:F2}x | {RequestsPerService:F2} | {WritesPerService:F2} | {PeakRssMiB:F0} | {StartupSeconds:F2} | {ReconcileP50Ms:F1} | {ReconcileP99Ms:F1} |");

    public static async Task<BenchRun> RunAsync(Workload workload, string operatorDll)
    {
        var bare = await BareLoop.RunAsync(workload);
        await using var server = await SandboxServer.StartAsync(new SandboxOptions { WatchHistorySize = 50_000 });
        var work = Directory.CreateTempSubdirectory("llmkube-bench-");
        try
        {
            var adminConfig = server.WriteKubeconfig(Path.Combine(work.FullName, "admin.kubeconfig"));
            // Same transport as the bare loop (plain HTTP on loopback), with the operator's own token so its requests are counted apart.
            var operatorConfig = Path.Combine(work.FullName, "operator.kubeconfig");
            File.WriteAllText(operatorConfig, string.Join('\n',
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: sandbox",
                "  cluster:",
                $"    server: \"{server.BaseAddress}\"",
                "users:",
                "- name: operator",
                "  user:",
                $"    token: \"{SandboxServer.TokenFor(BenchOperator.User)}\"",
                "contexts:",
                "- name: sandbox",
                "  context: {cluster: sandbox, user: operator}",
                "current-context: sandbox",
                ""));
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(adminConfig));
            foreach (var crd in CrdDefinitions.All())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            }

            await workload.CreateNamespacesAsync(client);
            double converged, rss, p50, p99, requests, writes;
            await using (var op = await BenchOperator.StartAsync(operatorDll, operatorConfig))
            {
                using var convergence = new Convergence(server.BaseAddress, server.AdminToken, workload);
                server.Control.ResetRequestCounts();
                var cpuBefore = (Operator: op.CpuSeconds(), Bench: Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
                var started = Stopwatch.StartNew();
                await workload.CreateCustomResourcesAsync(client, parallelism: 8);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  apply of {workload.Services * 2} objects done after {started.Elapsed.TotalSeconds:F2} s"));
                await convergence.WaitAllCorrectAsync(workload, TimeSpan.FromMinutes(30));
                converged = started.Elapsed.TotalSeconds;
                var counts = server.Control.GetRequestCounts().Entries.Where(e => e.User == BenchOperator.User).ToList();
                requests = counts.Where(e => e.Verb != "watch").Sum(e => e.Count) / (double)workload.Services;
                writes = counts.Where(e => e.IsWrite).Sum(e => e.Count) / (double)workload.Services;
                rss = op.PeakRssMiB();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  cpu in the timed window: operator {op.CpuSeconds() - cpuBefore.Operator:F1} s, bench process (sandbox + client) {Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore.Bench:F1} s"));
                var metrics = await op.MetricsAsync();
                (p50, p99) = Percentiles.FromHistogram(metrics, "controller_runtime_reconcile_time_seconds", "inferenceservice");
                foreach (var line in metrics.Split('\n').Where(l => l.StartsWith("controller_runtime_reconcile_total", StringComparison.Ordinal)))
                {
                    Console.Error.WriteLine("  " + line);
                }
            }

            var startup = Stopwatch.StartNew();
            await using (await BenchOperator.StartAsync(operatorDll, operatorConfig))
            {
            }

            return new BenchRun(workload.Services, workload.Namespaces, bare.TotalSeconds, converged, requests, writes, rss, startup.Elapsed.TotalSeconds, p50 * 1000, p99 * 1000);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
