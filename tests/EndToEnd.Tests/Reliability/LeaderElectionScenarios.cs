using System.Diagnostics;
using System.Text.Json;
using k8s;
using LlmKube.ControllerRuntime;
using EndToEnd.Tests.Support;
using LlmKube.Sandbox;

namespace EndToEnd.Tests.Reliability;

/// <summary>Issue 8, suite 3: two operators, only the leader writes; kill -9 the leader and the standby takes over.</summary>
public sealed class LeaderElectionScenarios
{
    private const string UserA = "system:serviceaccount:llmkube-system:operator-a";
    private const string UserB = "system:serviceaccount:llmkube-system:operator-b";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Only_the_leader_writes_and_a_standby_takes_over_within_the_lease_after_kill_9()
    {
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions { Simulation = new SimulationOptions { Deployments = true, PvcBinding = true } });
        await cluster.CreateNamespaceAsync("le");
        await cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("first", "m"), "le");
        var configA = cluster.Server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"a-{Guid.NewGuid():N}.kubeconfig"), UserA);
        var configB = cluster.Server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"b-{Guid.NewGuid():N}.kubeconfig"), UserB);

        var a = await OperatorProcess.StartAsync(configA, ["--leader-elect", "--leader-election-namespace", "llmkube-system"]);
        await cluster.WaitForServiceAsync("le", "first", s => s.Status?.Phase == "Ready", "Ready under the first leader");
        await using var b = await OperatorProcess.StartAsync(configB, ["--leader-elect", "--leader-election-namespace", "llmkube-system"]);

        cluster.Server.Control.ResetRequestCounts();
        await cluster.ApplyAsync(Manifests.Service("second", "m"), "le");
        await cluster.WaitForServiceAsync("le", "second", s => s.Status?.Phase == "Ready", "Ready with a standby present");
        var counts = cluster.Server.Control.GetRequestCounts();
        Assert.True(WorkWrites(counts, UserA) > 0, "the leader did not write");
        Assert.Equal(0, WorkWrites(counts, UserB));

        await a.KillAsync();
        var killed = Stopwatch.StartNew();
        await cluster.ApplyAsync(Manifests.Service("third", "m"), "le");
        await cluster.WaitForServiceAsync("le", "third", s => s.Status?.Phase == "Ready", "Ready under the new leader", LeaseDuration + TimeSpan.FromSeconds(20));
        var takeover = killed.Elapsed;
        Assert.True(takeover < LeaseDuration + TimeSpan.FromSeconds(8), $"takeover took {takeover.TotalSeconds:F1} s");
        Assert.True(WorkWrites(cluster.Server.Control.GetRequestCounts(), UserB) > 0, "the standby never wrote after the leader died");
        Console.WriteLine($"leader election: new work converged {takeover.TotalSeconds:F1} s after kill -9 of the leader (lease {LeaseDuration.TotalSeconds} s)");
        await a.DisposeAsync();
    }

    [Fact]
    public async Task A_missing_lease_namespace_is_said_on_the_log_readyz_and_metrics_and_the_lease_is_taken_once_it_exists()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.CreateNamespaceAsync("work");
        // No --leader-election-namespace: the Lease goes to the operator's own namespace, from the downward API.
        await using var op = await OperatorProcess.StartAsync(cluster.OperatorKubeconfig, ["--leader-elect"],
            environment: new Dictionary<string, string> { ["POD_NAMESPACE"] = "own-ns" });

        var warning = await TestCluster.EventuallyAsync(() => Task.FromResult(LogLines(op).FirstOrDefault(LeaseWarning)),
            l => l.ValueKind == JsonValueKind.Object, "a warning about the Lease");
        Assert.StartsWith("Cannot acquire or renew the leader Lease own-ns/llmkube-operator-leader: NamespaceNotFound: HTTP 404", warning.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Contains("namespace own-ns does not exist: create it", warning.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Contains(LogLines(op), l => l.GetProperty("msg").GetString() == "leader election on Lease own-ns/llmkube-operator-leader (namespace from POD_NAMESPACE)");
        Assert.Contains("leader: no: cannot acquire lease own-ns/llmkube-operator-leader: NamespaceNotFound", await op.ReadyzAsync(), StringComparison.Ordinal);
        // At least two: under load the retries may have gone past two before the first scrape.
        var metrics = await TestCluster.EventuallyAsync(op.MetricsAsync, m => FailuresCounted(m) >= 2, "two failed attempts counted");
        Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 0", metrics, StringComparison.Ordinal);
        await cluster.ApplyAsync(Manifests.Model("m"), "work");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Null((await cluster.GetModelAsync("work", "m"))!.Status); // nobody leads, nobody reconciles
        Assert.Single(LogLines(op), LeaseWarning); // rate-limited: one report per run of failures

        await cluster.CreateNamespaceAsync("own-ns");
        var lease = await TestCluster.EventuallyAsync(() => NotFound.OrNullAsync(() => cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("llmkube-operator-leader", "own-ns")),
            l => !string.IsNullOrEmpty(l?.Spec?.HolderIdentity), "the Lease taken in the operator's own namespace", TimeSpan.FromSeconds(20));
        await TestCluster.EventuallyAsync(() => cluster.GetModelAsync("work", "m"), m => m?.Status?.CacheKey is not null, "reconciled by the new leader");
        Assert.Contains("leader_election_master_status{name=\"llmkube-operator-leader\"} 1", await op.MetricsAsync(), StringComparison.Ordinal);
        Assert.Contains($"leader: yes (lease own-ns/llmkube-operator-leader)", await op.ReadyzAsync(), StringComparison.Ordinal);
        Assert.Contains(LogLines(op), l => l.GetProperty("msg").GetString()!.StartsWith("Leader Lease own-ns/llmkube-operator-leader is usable again after", StringComparison.Ordinal));
        Console.WriteLine($"lease held by {lease!.Spec.HolderIdentity}");
    }

    // The leader election's warnings (the configuration publisher warns about the missing namespace too, separately).
    private static bool LeaseWarning(JsonElement line) =>
        line.GetProperty("level").GetString() == "warn" && line.GetProperty("logger").GetString() == "LlmKube.ControllerRuntime.LeaderElection";

    private static List<JsonElement> LogLines(OperatorProcess op) =>
        [.. op.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    // Writes other than the lease itself: what "only the leader writes" is about.
    private static long WorkWrites(RequestCountSnapshot counts, string user) =>
        counts.Entries.Where(e => e.User == user && e.IsWrite && e.Resource != "leases").Sum(e => e.Count);

    private static long FailuresCounted(string metrics) =>
        System.Text.RegularExpressions.Regex.Match(metrics, "llmkube_leader_election_failures_total\\{name=\"llmkube-operator-leader\",reason=\"NamespaceNotFound\"\\} (\\d+)") is { Success: true } m
            ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}
