using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Sandbox.Tests.Infrastructure;

namespace LlmKube.Sandbox.Tests;

/// <summary>KubernetesClient against the sandbox: storage semantics the operator depends on.</summary>
public sealed class ClientStorageTests
{
    private const string Group = "test.llmkube.dev";
    private const string Version = "v1alpha1";

    [Fact]
    public async Task Create_get_and_errors_are_faithful_Status_objects()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" }, Data = new Dictionary<string, string> { ["k"] = "v" } }, "default");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal("default", created.Metadata.NamespaceProperty);

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("nope", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(missing.Response.Content);
        Assert.Equal("NotFound", status.Reason);
        Assert.Equal("configmaps \"nope\" not found", status.Message);
        Assert.Equal("configmaps", status.Details.Kind);

        var duplicate = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Response.StatusCode);
        Assert.Equal("AlreadyExists", KubernetesJson.Deserialize<V1Status>(duplicate.Response.Content).Reason);

        var stale = created;
        var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", ResourceVersion = created.Metadata.ResourceVersion }, Data = new Dictionary<string, string> { ["k"] = "w" } }, "a", "default");
        Assert.True(long.Parse(updated.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        stale.Data["k"] = "x";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(stale, "a", "default"));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("Conflict", KubernetesJson.Deserialize<V1Status>(conflict.Response.Content).Reason);

        var generated = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } }, "default");
        Assert.Matches("^gen-[a-z0-9]{5}$", generated.Metadata.Name);

        var noop = await client.CoreV1.ReplaceNamespacedConfigMapAsync(updated, "a", "default");
        Assert.Equal(updated.Metadata.ResourceVersion, noop.Metadata.ResourceVersion);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(sandbox.Control.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Status_subresource_and_generation_follow_the_API_server_rules()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        await sandbox.ApplyGadgetCrdAsync();
        var client = sandbox.Client;
        var body = JsonDocument.Parse("""{"apiVersion":"test.llmkube.dev/v1alpha1","kind":"Gadget","metadata":{"name":"g"},"spec":{"modelRef":"m"},"status":{"phase":"Ready"}}""").RootElement;
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonElement>(body, Group, Version, "default", "gadgets");
        Assert.False(created.TryGetProperty("status", out _));
        Assert.Equal(1, created.GetProperty("spec").GetProperty("replicas").GetInt32());
        Assert.Equal(1, Generation(created));

        var withStatus = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonElement>(
            new V1Patch("""{"status":{"phase":"Ready","observedGeneration":1},"spec":{"modelRef":"ignored"}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", "gadgets", "g");
        Assert.Equal("Ready", withStatus.GetProperty("status").GetProperty("phase").GetString());
        Assert.Equal("m", withStatus.GetProperty("spec").GetProperty("modelRef").GetString());
        Assert.Equal(1, Generation(withStatus));

        var labelled = await client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonElement>(
            new V1Patch("""{"metadata":{"labels":{"x":"y"}},"status":{"phase":"Failed"}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", "gadgets", "g");
        Assert.Equal(1, Generation(labelled));
        Assert.Equal("Ready", labelled.GetProperty("status").GetProperty("phase").GetString());

        var specChange = await client.CustomObjects.PatchNamespacedCustomObjectAsync<JsonElement>(
            new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", "gadgets", "g");
        Assert.Equal(2, Generation(specChange));

        var invalidStatus = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<JsonElement>(
            new V1Patch("""{"status":{"phase":"Sideways"}}""", V1Patch.PatchType.MergePatch), Group, Version, "default", "gadgets", "g"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalidStatus.Response.StatusCode);
        var cause = KubernetesJson.Deserialize<V1Status>(invalidStatus.Response.Content).Details.Causes.Single();
        Assert.Equal("status.phase", cause.Field);
        Assert.Equal("FieldValueNotSupported", cause.Reason);

        var deployment = await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 1), "default");
        Assert.Equal(1, deployment.Metadata.Generation);
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("IfNotPresent", deployment.Spec.Template.Spec.Containers[0].ImagePullPolicy);
        var status = await client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(deployment with { Status = new V1DeploymentStatus { ReadyReplicas = 1, ObservedGeneration = 1 } }, "web", "default");
        Assert.Equal(1, status.Metadata.Generation);
        Assert.Equal(1, status.Status.ReadyReplicas);
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_and_filter_with_selectors()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        for (var i = 0; i < 25; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = $"cm-{i:00}", Labels = new Dictionary<string, string> { ["tier"] = i % 2 == 0 ? "even" : "odd", ["index"] = $"{i}" } },
            }, "default");
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 10, continueParameter: token);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(token));
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"cm-{i:00}"), names);

        var unpaged = await client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 10, resourceVersion: "0");
        Assert.Equal(25, unpaged.Items.Count);

        Assert.Equal(13, (await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "tier=even")).Items.Count);
        Assert.Equal(12, (await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "tier!=even")).Items.Count);
        Assert.Equal(2, (await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "index in (3,4)")).Items.Count);
        Assert.Equal(23, (await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "index notin (3,4),tier")).Items.Count);
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "!tier")).Items);
        Assert.Equal("cm-07", (await client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=cm-07")).Items.Single().Metadata.Name);
        Assert.Equal(25, (await client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: "metadata.namespace=default")).Items.Count);
    }

    [Fact]
    public async Task Strategic_merge_merges_lists_by_key_and_honours_directives()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        var deployment = Deployment("web", 2);
        deployment.Spec.Template.Spec.Containers[0].Env = [new V1EnvVar { Name = "A", Value = "1" }, new V1EnvVar { Name = "B", Value = "2" }];
        deployment.Spec.Template.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox:1" });
        deployment.Spec.Template.Spec.Volumes = [new V1Volume { Name = "models", EmptyDir = new V1EmptyDirVolumeSource() }];
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default");

        const string patch = """
            {"spec":{"template":{"spec":{
              "containers":[{"name":"web","env":[{"name":"B","$patch":"delete"},{"name":"C","value":"3"}],"volumeMounts":[{"name":"models","mountPath":"/models"}]}],
              "volumes":[{"name":"cache","persistentVolumeClaim":{"claimName":"my-cache"}}]}}}}
            """;
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch), "web", "default");
        var spec = patched.Spec.Template.Spec;
        Assert.Equal(["web", "sidecar"], spec.Containers.Select(c => c.Name));
        Assert.Equal(["A", "C"], spec.Containers[0].Env.Select(e => e.Name));
        Assert.Equal("/models", spec.Containers[0].VolumeMounts.Single().MountPath);
        Assert.Equal(["models", "cache"], spec.Volumes.Select(v => v.Name));
        Assert.Equal(2, patched.Metadata.Generation);

        var replaced = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x:1"}]}}}}""", V1Patch.PatchType.StrategicMergePatch), "web", "default");
        Assert.Equal("only", replaced.Spec.Template.Spec.Containers.Single().Name);

        var applied = await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"owner":"op"}},"spec":{"replicas":3}}""", V1Patch.PatchType.ApplyPatch),
            "web", "default", fieldManager: "llmkube-operator");
        Assert.Equal(3, applied.Spec.Replicas);
        Assert.Equal("op", applied.Metadata.Labels["owner"]);
        var noManager = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}""", V1Patch.PatchType.ApplyPatch), "web", "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noManager.Response.StatusCode);

        var immutable = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("""{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}""", V1Patch.PatchType.MergePatch), "web", "default"));
        Assert.Contains("field is immutable", immutable.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_are_one_store_for_core_and_events_k8s_io()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "isvc.1", NamespaceProperty = "default" },
            Regarding = new V1ObjectReference { Kind = "InferenceService", Name = "isvc", NamespaceProperty = "default", Uid = "u-1" },
            Reason = "ModelCacheClaimIgnored",
            Note = "claim ignored",
            Type = "Warning",
            Action = "Reconcile",
            ReportingController = "llmkube.dev/operator",
            ReportingInstance = "op-0",
            EventTime = DateTime.UtcNow,
        }, "default");

        var core = (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=isvc,involvedObject.kind=InferenceService")).Items.Single();
        Assert.Equal("claim ignored", core.Message);
        Assert.Equal("InferenceService", core.InvolvedObject.Kind);
        Assert.Equal("llmkube.dev/operator", core.ReportingComponent);
        var events = (await client.EventsV1.ListNamespacedEventAsync("default", fieldSelector: "regarding.name=isvc")).Items.Single();
        Assert.Equal("ModelCacheClaimIgnored", events.Reason);
        Assert.Equal("claim ignored", events.Note);
        Assert.Equal("u-1", events.Regarding.Uid);

        var patched = await client.EventsV1.PatchNamespacedEventAsync(new V1Patch("""{"series":{"count":2,"lastObservedTime":"2026-01-01T00:00:00.000000Z"}}""", V1Patch.PatchType.MergePatch), "isvc.1", "default");
        Assert.Equal(2, patched.Series.Count);
        Assert.Equal(2, (await client.CoreV1.ReadNamespacedEventAsync("isvc.1", "default")).Series.Count);
    }

    internal static V1Deployment Deployment(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27" }] },
            },
        },
    };

    private static long Generation(JsonElement obj) => obj.GetProperty("metadata").GetProperty("generation").GetInt64();
}

/// <summary>
/// Claim expansion as an API server allows it: only a bound claim's request may change (validation), never below its
/// capacity, and growing needs a StorageClass with allowVolumeExpansion (the PersistentVolumeClaimResize admission plugin).
/// </summary>
public sealed class ClaimResizeTests
{
    [Fact]
    public async Task Only_bound_claims_on_an_expandable_class_grow_and_none_shrink()
    {
        await using var sandbox = await TestSandbox.StartAsync();
        var client = sandbox.Client;
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = "grows" }, Provisioner = "x", AllowVolumeExpansion = true });
        await client.StorageV1.CreateStorageClassAsync(new V1StorageClass { Metadata = new V1ObjectMeta { Name = "fixed" }, Provisioner = "x" });
        foreach (var (name, storageClass) in new[] { ("a", "grows"), ("b", "fixed") })
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(new V1PersistentVolumeClaim
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PersistentVolumeClaimSpec
                {
                    AccessModes = ["ReadWriteOnce"],
                    StorageClassName = storageClass,
                    Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("200Gi") } },
                },
            }, "default");
        }

        static V1Patch Size(string size) => new("{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"" + size + "\"}}}}", V1Patch.PatchType.MergePatch);

        var pending = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(Size("250Gi"), "a", "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, pending.Response.StatusCode);
        Assert.Contains("spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims", pending.Response.Content, StringComparison.Ordinal);

        sandbox.Server.Control.BindClaim("default", "a");
        sandbox.Server.Control.BindClaim("default", "b");
        var grown = await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(Size("250Gi"), "a", "default");
        Assert.Equal("250Gi", grown.Spec.Resources.Requests["storage"].ToString());

        var shrink = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(Size("100Gi"), "a", "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shrink.Response.StatusCode);
        Assert.Contains("spec.resources.requests.storage: Forbidden: field can not be less than status.capacity", shrink.Response.Content, StringComparison.Ordinal);

        var fixedClass = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(Size("250Gi"), "b", "default"));
        Assert.Equal(HttpStatusCode.Forbidden, fixedClass.Response.StatusCode);
        Assert.Equal("persistentvolumeclaims \"b\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
            KubernetesJson.Deserialize<V1Status>(fixedClass.Response.Content).Message);
    }
}
