using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Sandbox.Tests;

/// <summary>The test hooks, through the C# API and the HTTP control API.</summary>
public sealed class ControlApiTests
{
    [Fact]
    public async Task Deployment_status_can_be_set_over_HTTP_and_in_process()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.AppsV1.CreateNamespacedDeploymentAsync(ClientStorageTests.Deployment("web", 3), "default");
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };

        var response = await http.PostAsJsonAsync("/sandbox/v1/namespaces/default/deployments/web/status", new { readyReplicas = 1 });
        response.EnsureSuccessStatusCode();
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        Assert.Equal(3, deployment.Status.Replicas);
        Assert.Equal(1, deployment.Status.ReadyReplicas);
        Assert.Equal(1, deployment.Status.AvailableReplicas);
        Assert.Equal(1, deployment.Status.ObservedGeneration);
        Assert.Contains(deployment.Status.Conditions, c => c.Type == "Available" && c.Status == "False");

        var ready = sandbox.Control.SetDeploymentStatus("default", "web", new DeploymentStatusUpdate());
        Assert.Equal(3, (int?)ready["status"]!["readyReplicas"]);
        deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        Assert.Contains(deployment.Status.Conditions, c => c.Type == "Available" && c.Status == "True");
        var before = deployment.Metadata.ResourceVersion;
        sandbox.Control.SetDeploymentStatus("default", "web", new DeploymentStatusUpdate());
        Assert.Equal(before, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Metadata.ResourceVersion);

        var missing = await http.PostAsJsonAsync("/sandbox/v1/namespaces/default/deployments/nope/status", new { });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Claims_bind_with_a_volume_and_node_affinity_and_unbind()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("cache"), "default");
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        var response = await http.PostAsJsonAsync("/sandbox/v1/namespaces/default/persistentvolumeclaims/cache/bind", new { volumeName = "pv-cache", nodeHostnames = new[] { "node-a" } });
        response.EnsureSuccessStatusCode();

        var claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("cache", "default");
        Assert.Equal("Bound", claim.Status.Phase);
        Assert.Equal("pv-cache", claim.Spec.VolumeName);
        Assert.Equal("5Gi", claim.Status.Capacity["storage"].ToString());
        Assert.Equal(["ReadWriteOnce"], claim.Status.AccessModes);
        var volume = await client.CoreV1.ReadPersistentVolumeAsync("pv-cache");
        Assert.Equal("Bound", volume.Status.Phase);
        Assert.Equal("cache", volume.Spec.ClaimRef.Name);
        var term = volume.Spec.NodeAffinity.Required.NodeSelectorTerms.Single().MatchExpressions.Single();
        Assert.Equal("kubernetes.io/hostname", term.Key);
        Assert.Equal(["node-a"], term.Values);

        (await http.PostAsJsonAsync("/sandbox/v1/namespaces/default/persistentvolumeclaims/cache/unbind", new { deleteVolume = true })).EnsureSuccessStatusCode();
        claim = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("cache", "default");
        Assert.Equal("Pending", claim.Status.Phase);
        Assert.Null(claim.Spec.VolumeName);
        Assert.False(await ClientLifecycleTests.Exists(() => client.CoreV1.ReadPersistentVolumeAsync("pv-cache")));

        sandbox.Control.BindClaim("default", "cache", new ClaimBinding { Phase = "Lost" });
        Assert.Equal("Lost", (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("cache", "default")).Status.Phase);
        var immutable = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(
            new V1Patch("""{"spec":{"accessModes":["ReadWriteMany"]}}""", V1Patch.PatchType.MergePatch), "cache", "default"));
        Assert.Contains("spec is immutable after creation", immutable.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_counters_count_by_verb_resource_namespace_and_user_and_reset()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        const string operatorUser = "system:serviceaccount:llmkube-system:llmkube";
        using var operatorClient = sandbox.ClientFor(operatorUser);
        await operatorClient.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        await operatorClient.CoreV1.ReadNamespacedConfigMapAsync("a", "default");
        await operatorClient.CoreV1.ListNamespacedConfigMapAsync("default");
        await Assert.ThrowsAsync<HttpOperationException>(() => operatorClient.CoreV1.ReadNamespacedConfigMapAsync("b", "default"));

        var counts = sandbox.Control.GetRequestCounts();
        Assert.Equal(1, counts.Count(verb: "create", resource: "configmaps", ns: "default", user: operatorUser, code: 201));
        Assert.Equal(2, counts.Count(verb: "get", user: operatorUser));
        Assert.Equal(1, counts.Count(verb: "get", user: operatorUser, code: 404));
        Assert.Equal(1, counts.Count(verb: "list", resource: "configmaps", user: operatorUser));
        Assert.Equal(1, counts.Writes(user: operatorUser));

        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        var json = JsonNode.Parse(await http.GetStringAsync("/sandbox/v1/requests"))!;
        Assert.Equal(4, (long)json["total"]!);
        Assert.Equal(1, (long)json["writes"]!);
        Assert.Contains(json["entries"]!.AsArray(), e => (string?)e!["user"] == operatorUser && (string?)e["verb"] == "list" && (long)e["count"]! == 1);
        (await http.DeleteAsync("/sandbox/v1/requests")).EnsureSuccessStatusCode();
        Assert.Equal(0, sandbox.Control.GetRequestCounts().Total);
    }

    [Fact]
    public async Task Watches_can_be_dropped_over_HTTP()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox:1" }] },
        }, "default");

        // KubernetesClient 21.0.8 throws on a watch stream that ends before its first line (as it would
        // against a real server), so this watch starts with the pod's ADDED event.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in sandbox.Client.CoreV1.WatchListNamespacedPodAsync("default", cancellationToken: cts.Token))
            {
            }
        }, cts.Token);
        await Eventually.TrueAsync(() => sandbox.Control.OpenWatches == 1, "the watch to open");
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        var dropped = JsonNode.Parse(await (await http.PostAsync("/sandbox/v1/watches/drop", null)).Content.ReadAsStringAsync())!;
        Assert.Equal(1, (int)dropped["dropped"]!);
        await watching.WaitAsync(TimeSpan.FromSeconds(10));
        var info = JsonNode.Parse(await http.GetStringAsync("/sandbox/v1/info"))!;
        Assert.Equal(0, (int)info["openWatches"]!);
    }

    [Fact]
    public async Task Simulations_bind_claims_and_make_deployments_ready()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions
        {
            Simulation = new SimulationOptions { PvcBinding = true, Deployments = true, Delay = TimeSpan.FromMilliseconds(20) },
        });
        var client = sandbox.Client;
        await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(Claim("auto"), "default");
        await client.AppsV1.CreateNamespacedDeploymentAsync(ClientStorageTests.Deployment("web", 2), "default");
        await Eventually.TrueAsync(async () => (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("auto", "default")).Status.Phase == "Bound", "claim bound");
        await Eventually.TrueAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status.ReadyReplicas == 2, "deployment ready");

        await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "web", "default");
        await Eventually.TrueAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Status is { ObservedGeneration: 2, ReadyReplicas: null }, "deployment scaled to zero");
    }

    private static V1PersistentVolumeClaim Claim(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new ResourceQuantity("5Gi") } },
        },
    };
}
