using EndToEnd.Tests.Support;
using k8s;
using LlmKube.Api;
using LlmKube.Sandbox;

namespace EndToEnd.Tests;

/// <summary>Scenarios that need an operator of their own: other flags, restarts, a quiet cluster.</summary>
public sealed class OperatorModeScenarios
{
    private static SandboxOptions Simulated => new() { Simulation = new SimulationOptions { Deployments = true, PvcBinding = true } };

    [Fact]
    public async Task PerService_claims_are_owned_rwo_and_garbage_collected_with_their_service()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        await using var op = await cluster.StartOperatorAsync("--model-cache-mode", "perService", "--model-cache-access-mode", "ReadWriteMany");
        await cluster.CreateNamespaceAsync("ps");
        await cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("a", "m") + Manifests.Service("b", "m"), "ps");

        foreach (var name in new[] { "a", "b" })
        {
            var ready = await cluster.WaitForServiceAsync("ps", name, s => s.Status?.Phase == ServicePhases.Ready, "Ready");
            Assert.Equal((CacheVolumes.PerService, $"{name}-model-cache"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
            var claim = await cluster.GetClaimAsync("ps", $"{name}-model-cache");
            Assert.Equal(["ReadWriteOnce"], claim!.Spec.AccessModes);
            var owner = Assert.Single(claim.Metadata.OwnerReferences);
            Assert.Equal(("InferenceService", name, ready.Metadata.Uid, true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        }

        Assert.Null(await cluster.GetClaimAsync("ps", "llmkube-model-cache"));
        await cluster.Kubectl.OkAsync("delete", "-n", "ps", "isvc/a", "--wait=false");
        await TestCluster.EventuallyAsync(() => cluster.GetClaimAsync("ps", "a-model-cache"), c => c is null, "a's claim garbage-collected");
        await TestCluster.EventuallyAsync(() => cluster.GetDeploymentAsync("ps", "a"), d => d is null, "a's Deployment garbage-collected");
        Assert.NotNull(await cluster.GetClaimAsync("ps", "b-model-cache"));
    }

    [Fact]
    public async Task Disabled_caching_uses_an_emptyDir_and_reports_the_ignored_claim()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        await using var op = await cluster.StartOperatorAsync("--model-cache-enabled", "false");
        await cluster.CreateNamespaceAsync("nocache");
        await cluster.ApplyAsync(Manifests.Claim("mine") + Manifests.Model("m") + Manifests.Service("svc", "m", "  modelCache: {claimName: mine}"), "nocache");

        var ready = await cluster.WaitForServiceAsync("nocache", "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready");
        Assert.Equal(CacheVolumes.Ephemeral, ready!.Status!.ModelCache!.Volume);
        var condition = ready.Status.Conditions!.Single(c => c.Type == ConditionTypes.ModelCacheReady);
        Assert.Equal(("False", Reasons.ClaimIgnored), (condition.Status, condition.Reason));
        Assert.Contains("caching is disabled", condition.Message, StringComparison.Ordinal);
        var events = await TestCluster.EventuallyAsync(() => cluster.EventsAsync("nocache", "svc"), e => e.Any(x => x.Reason == Reasons.ModelCacheClaimIgnored), "ModelCacheClaimIgnored event");
        Assert.Contains("emptyDir", events.First(x => x.Reason == Reasons.ModelCacheClaimIgnored).Message, StringComparison.Ordinal);
        Assert.Single((await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("nocache")).Items);
    }

    [Fact]
    public async Task An_operator_killed_mid_way_converges_after_restart_without_duplicates()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        await cluster.CreateNamespaceAsync("restart");
        var yaml = Manifests.Model("m") + string.Concat(Enumerable.Range(0, 12).Select(i => Manifests.Service($"svc-{i}", "m")));
        await cluster.ApplyAsync(yaml, "restart");

        var first = await cluster.StartOperatorAsync();
        await TestCluster.EventuallyAsync(() => cluster.GetDeploymentAsync("restart", "svc-0"), d => d is not null, "a first Deployment");
        await first.KillAsync();
        await first.DisposeAsync();

        await using var second = await cluster.StartOperatorAsync();
        for (var i = 0; i < 12; i++)
        {
            await cluster.WaitForServiceAsync("restart", $"svc-{i}", s => s.Status?.Phase == ServicePhases.Ready, "Ready after restart");
        }

        Assert.Equal(12, (await cluster.Client.AppsV1.ListNamespacedDeploymentAsync("restart")).Items.Count);
        Assert.Equal(12, (await cluster.Client.CoreV1.ListNamespacedServiceAsync("restart")).Items.Count);
        Assert.Single((await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync("restart")).Items);
    }

    [Fact]
    public async Task A_settled_cluster_gets_zero_writes_over_30_seconds_of_resyncs()
    {
        await using var cluster = await TestCluster.StartAsync(Simulated);
        await using var op = await cluster.StartOperatorAsync("--resync-period", "3s");
        await cluster.CreateNamespaceAsync("quiet");
        var yaml = Manifests.Model("m") + Manifests.Model("s3model", "s3://bucket/m.gguf") + Manifests.Claim("mine")
            + string.Concat(Enumerable.Range(0, 20).Select(i => Manifests.Service($"svc-{i}", i % 2 == 0 ? "m" : "s3model",
                i % 4 == 1 ? "  modelCache: {claimName: mine}" : i % 4 == 3 ? "  autoscaling: {maxReplicas: 2}\n  modelCache: {persistence: Ephemeral}" : "")));
        await cluster.ApplyAsync(yaml, "quiet");
        for (var i = 0; i < 20; i++)
        {
            await cluster.WaitForServiceAsync("quiet", $"svc-{i}", s => s.Status?.Phase == ServicePhases.Ready && s.Status.Conditions!.Any(c => c.Type == ConditionTypes.ModelCacheReady && c.Reason != Reasons.ClaimPending), "Ready and settled");
        }

        await Task.Delay(TimeSpan.FromSeconds(2)); // let the last status writes and events land
        cluster.Server.Control.ResetRequestCounts();
        await Task.Delay(TimeSpan.FromSeconds(30));

        var counts = cluster.Server.Control.GetRequestCounts();
        var writes = counts.Entries.Where(e => e.User == TestCluster.OperatorUser && e.IsWrite).ToList();
        Assert.True(writes.Count == 0, "operator writes in steady state: " + string.Join(", ", writes.Select(w => $"{w.Verb} {w.Resource}/{w.Subresource} {w.Count}")));
        var metrics = await op.MetricsAsync();
        Assert.Contains("llmkube_informer_resyncs_total", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--model-cache-mode", "perservice", "--model-cache-mode \"perservice\" is not valid: use shared or perService")]
    [InlineData("--model-cache-enabled", "maybe", "--model-cache-enabled \"maybe\" is not valid")]
    public async Task A_bad_flag_stops_start_up_with_a_clear_message(string flag, string value, string message)
    {
        await using var op = await OperatorProcess.StartAsync("/nonexistent/kubeconfig", [flag, value], waitReady: false);

        Assert.Equal(2, await op.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(message, op.Log, StringComparison.Ordinal);
        Assert.Contains("refusing to start", op.Log, StringComparison.Ordinal);
    }
}
