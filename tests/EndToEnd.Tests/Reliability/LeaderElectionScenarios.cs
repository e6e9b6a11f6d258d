using System.Diagnostics;
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
        await cluster.CreateNamespaceAsync("llmkube-system");
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

    // Writes other than the lease itself: what "only the leader writes" is about.
    private static long WorkWrites(RequestCountSnapshot counts, string user) =>
        counts.Entries.Where(e => e.User == user && e.IsWrite && e.Resource != "leases").Sum(e => e.Count);
}
