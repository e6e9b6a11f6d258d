using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;

namespace LlmKube.Sandbox.Tests;

/// <summary>Fault injection switches and RBAC enforcement.</summary>
public sealed class FaultAndRbacTests
{
    private const string OperatorUser = "system:serviceaccount:llmkube-system:llmkube";

    [Fact]
    public async Task Error_rate_fails_writes_with_500_but_not_reads()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Faults = new FaultSettings { ErrorRate = 1, Seed = 1 } });
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default"));
        Assert.Equal(HttpStatusCode.InternalServerError, error.Response.StatusCode);
        Assert.Equal("InternalError", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Reason);
        Assert.Empty((await sandbox.Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items);

        sandbox.Control.Faults = FaultSettings.None;
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
    }

    [Fact]
    public async Task Conflict_rate_answers_409_on_updates_and_the_dice_are_seedable()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        using var http = new HttpClient { BaseAddress = sandbox.Server.BaseAddress };
        (await http.PutAsJsonAsync("/sandbox/v1/faults", new { conflictRate = 1.0 })).EnsureSuccessStatusCode();
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => sandbox.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "a", "default"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("Conflict", KubernetesJson.Deserialize<V1Status>(conflict.Response.Content).Reason);
        var settings = JsonDocument.Parse(await http.GetStringAsync("/sandbox/v1/faults")).RootElement;
        Assert.Equal(1.0, settings.GetProperty("conflictRate").GetDouble());

        async Task<string> Pattern(int seed)
        {
            sandbox.Control.Faults = new FaultSettings { ErrorRate = 0.5, Seed = seed };
            var outcome = new char[20];
            for (var i = 0; i < outcome.Length; i++)
            {
                try
                {
                    await sandbox.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"i\":\"" + i + "\"}}", V1Patch.PatchType.MergePatch), "a", "default");
                    outcome[i] = 'o';
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.InternalServerError)
                {
                    outcome[i] = 'x';
                }
            }

            return new string(outcome);
        }

        var first = await Pattern(42);
        var second = await Pattern(42);
        Assert.Equal(first, second);
        Assert.Contains("x", first, StringComparison.Ordinal);
        Assert.Contains("o", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_delays_requests_and_can_spare_the_admin()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Faults = new FaultSettings { LatencyMs = 800, IncludeAdmin = false } });
        using var user = sandbox.ClientFor("someone");
        var watch = Stopwatch.StartNew();
        await user.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.True(watch.ElapsedMilliseconds >= 790, $"took {watch.ElapsedMilliseconds} ms");
        watch.Restart();
        await sandbox.Client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.True(watch.ElapsedMilliseconds < 790, $"admin took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Watch_drop_seconds_closes_streams_periodically()
    {
        await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Faults = new FaultSettings { WatchDropSeconds = 0.3 } });
        var ended = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        for (var i = 0; i < 2; i++)
        {
            await foreach (var _ in sandbox.Client.CoreV1.WatchListNamespacedConfigMapAsync("default", allowWatchBookmarks: true, cancellationToken: cts.Token))
            {
            }

            ended++;
        }

        Assert.Equal(2, ended);
        Assert.False(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task The_operator_user_gets_exactly_the_permissions_of_its_roles()
    {
        var roles = Path.Combine(Path.GetTempPath(), $"chart-rbac-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(roles, """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRole
            metadata: {name: llmkube-manager}
            rules:
              - apiGroups: [test.llmkube.dev]
                resources: [gadgets]
                verbs: [get, list, watch, update, patch]
              - apiGroups: [test.llmkube.dev]
                resources: [gadgets/status]
                verbs: [get, update, patch]
              - apiGroups: [""]
                resources: [persistentvolumeclaims]
                verbs: [get, list, watch, create]
              - apiGroups: [""]
                resources: [configmaps]
                resourceNames: [llmkube-config]
                verbs: [get]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: llmkube-manager}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: llmkube-manager}
            subjects: [{kind: ServiceAccount, name: llmkube, namespace: llmkube-system}]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: leader-election, namespace: llmkube-system}
            rules:
              - apiGroups: [coordination.k8s.io]
                resources: [leases]
                verbs: [get, create, update]
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: leader-election, namespace: llmkube-system}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader-election}
            subjects: [{kind: ServiceAccount, name: llmkube}]
            """);
        try
        {
            await using var sandbox = await TestSandbox.StartAsync(new SandboxOptions { Rbac = new RbacOptions { Enforce = true, RoleFiles = [roles] } });
            await sandbox.ApplyGadgetCrdAsync();
            (await sandbox.Kubectl.RunAsync("apply", "-f", TestSandbox.Asset("gadgets.yaml"))).Ok();
            await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("llmkube-config"), "default");
            await sandbox.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("other"), "default");
            using var op = sandbox.ClientFor(OperatorUser);

            await op.CustomObjects.ListNamespacedCustomObjectAsync("test.llmkube.dev", "v1alpha1", "default", "gadgets");
            await op.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch("""{"status":{"phase":"Ready"}}""", V1Patch.PatchType.MergePatch), "test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha");
            await op.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = "alpha-model-cache" },
                Spec = new V1PersistentVolumeClaimSpec { AccessModes = ["ReadWriteOnce"], Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } } },
            }, "default");
            await op.CoreV1.ReadNamespacedConfigMapAsync("llmkube-config", "default");
            await op.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "llmkube" }, Spec = new V1LeaseSpec { HolderIdentity = "op-0" } }, "llmkube-system");
            Assert.Equal(0, sandbox.Control.GetRequestCounts().Forbidden);

            var deletePvc = await Assert.ThrowsAsync<HttpOperationException>(() => op.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("alpha-model-cache", "default"));
            Assert.Equal(HttpStatusCode.Forbidden, deletePvc.Response.StatusCode);
            var status = KubernetesJson.Deserialize<V1Status>(deletePvc.Response.Content);
            Assert.Equal("Forbidden", status.Reason);
            Assert.Equal($"persistentvolumeclaims \"alpha-model-cache\" is forbidden: User \"{OperatorUser}\" cannot delete resource \"persistentvolumeclaims\" in API group \"\" in the namespace \"default\"", status.Message);
            await Assert.ThrowsAsync<HttpOperationException>(() => op.CoreV1.ReadNamespacedConfigMapAsync("other", "default"));
            await Assert.ThrowsAsync<HttpOperationException>(() => op.CustomObjects.DeleteNamespacedCustomObjectAsync("test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha"));
            await Assert.ThrowsAsync<HttpOperationException>(() => op.CoordinationV1.ListNamespacedLeaseAsync("default"));
            var clusterScope = await Assert.ThrowsAsync<HttpOperationException>(() => op.CoreV1.ListNamespaceAsync());
            Assert.EndsWith("cannot list resource \"namespaces\" in API group \"\" at the cluster scope", KubernetesJson.Deserialize<V1Status>(clusterScope.Response.Content).Message, StringComparison.Ordinal);

            var applyCreate = await Assert.ThrowsAsync<HttpOperationException>(() => op.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("""{"apiVersion":"test.llmkube.dev/v1alpha1","kind":"Gadget","metadata":{"name":"new"},"spec":{"modelRef":"m"}}""", V1Patch.PatchType.ApplyPatch),
                "test.llmkube.dev", "v1alpha1", "default", "gadgets", "new", fieldManager: "op"));
            Assert.Contains("cannot create resource \"gadgets\"", KubernetesJson.Deserialize<V1Status>(applyCreate.Response.Content).Message, StringComparison.Ordinal);
            await op.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("""{"apiVersion":"test.llmkube.dev/v1alpha1","kind":"Gadget","metadata":{"name":"alpha"},"spec":{"modelRef":"m"}}""", V1Patch.PatchType.ApplyPatch),
                "test.llmkube.dev", "v1alpha1", "default", "gadgets", "alpha", fieldManager: "op");

            var counts = sandbox.Control.GetRequestCounts();
            Assert.Equal(6, counts.Forbidden);
            Assert.Equal(6, counts.Count(user: OperatorUser, code: 403));
        }
        finally
        {
            File.Delete(roles);
        }
    }

    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };
}
