using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests;

/// <summary>The model cache (README, "Where the model lives") end to end: the operator binary against the sandbox, objects applied with kubectl.</summary>
[Collection(SharedOperatorCollection.Name)]
public sealed class CacheClaimScenarios(SharedOperatorFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    private static string Ns(string test) => $"e2e-{test}-{Guid.NewGuid():N}"[..40].TrimEnd('-');

    [Fact]
    public async Task Quickstart_converges_on_one_unowned_labelled_shared_claim()
    {
        var ns = Ns("quickstart");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(File.ReadAllText(RepoPaths.Combine("examples", "quickstart.yaml")), ns);
        await Cluster.ApplyAsync(Manifests.Service("second", "tinyllama"), ns);
        await BindWhenCreatedAsync(ns, "llmkube-model-cache");

        foreach (var name in new[] { "tinyllama", "second" })
        {
            var service = await Cluster.WaitForServiceAsync(ns, name, s => s.Status?.Phase == ServicePhases.Ready && Reason(s, ConditionTypes.ModelCacheReady) == Reasons.ClaimBound, "Ready on a bound claim");
            Assert.Equal((CacheVolumes.Shared, "llmkube-model-cache"), (service!.Status!.ModelCache!.Volume, service.Status.ModelCache.ClaimName));
            Assert.Equal(1, service.Status.Replicas);
            AssertCondition(service.Status.Conditions, ConditionTypes.ModelCacheReady, "True", Reasons.ClaimBound);
            var deployment = await Cluster.GetDeploymentAsync(ns, name);
            Assert.Equal("llmkube-model-cache", deployment!.Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache").PersistentVolumeClaim.ClaimName);
        }

        var claims = (await Cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items;
        var claim = Assert.Single(claims);
        Assert.Null(claim.Metadata.OwnerReferences);
        Assert.Equal("model-cache", claim.Metadata.Labels["app.kubernetes.io/component"]);
        Assert.Equal("llmkube-controller", claim.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal("llmkube", claim.Metadata.Labels["app.kubernetes.io/name"]);
    }

    [Fact]
    public async Task A_missing_user_claim_fails_without_fallback_and_recovers_when_created()
    {
        var ns = Ns("byo");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("svc", "m", "  modelCache: {claimName: my-cache}"), ns);

        var failed = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Failed, "Failed");
        var degraded = AssertCondition(failed!.Status!.Conditions, ConditionTypes.Degraded, "True", Reasons.ModelCachePvcNotFound);
        Assert.Contains("my-cache", degraded.Message, StringComparison.Ordinal);
        Assert.Contains(ns, degraded.Message, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.claimName", degraded.Message, StringComparison.Ordinal);
        AssertCondition(failed.Status.Conditions, ConditionTypes.ModelCacheReady, "False", Reasons.ClaimNotFound);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.ModelCachePvcNotFound && x.Type == "Warning"), "ModelCachePVCNotFound event");
        Assert.Null(await Cluster.GetDeploymentAsync(ns, "svc"));
        Assert.Empty((await Cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items);

        var started = DateTime.UtcNow;
        await Cluster.ApplyAsync(Manifests.Claim("my-cache"), ns);
        Cluster.Server.Control.BindClaim(ns, "my-cache");
        var before = await Cluster.GetClaimAsync(ns, "my-cache");
        var ready = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready after the claim appears", TimeSpan.FromSeconds(15));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));
        AssertCondition(ready!.Status!.Conditions, ConditionTypes.Degraded, "False", Reasons.AsExpected);
        AssertCondition(ready.Status.Conditions, ConditionTypes.ModelCacheReady, "True", Reasons.ClaimBound);
        Assert.Equal((CacheVolumes.UserClaim, "my-cache"), (ready.Status.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
        var deployment = await Cluster.GetDeploymentAsync(ns, "svc");
        Assert.Equal("my-cache", deployment!.Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache").PersistentVolumeClaim.ClaimName);

        // The user's claim was never written by the operator, and no other claim was created.
        var after = await Cluster.GetClaimAsync(ns, "my-cache");
        Assert.Equal(before!.Metadata.ResourceVersion, after!.Metadata.ResourceVersion);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "me" }, after.Metadata.Labels);
        Assert.Null(after.Metadata.OwnerReferences);
        Assert.Single((await Cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items);
        Assert.Equal(0, Cluster.Server.Control.GetRequestCounts().Count(resource: "persistentvolumeclaims", ns: ns, user: TestCluster.OperatorUser, verb: "create")
            + Cluster.Server.Control.GetRequestCounts().Writes(user: TestCluster.OperatorUser, resource: "persistentvolumeclaims", ns: ns));
    }

    [Fact]
    public async Task Ephemeral_uses_an_emptyDir_and_creates_no_claim()
    {
        var ns = Ns("ephemeral");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(File.ReadAllText(RepoPaths.Combine("examples", "ephemeral.yaml")), ns);

        var ready = await Cluster.WaitForServiceAsync(ns, "tinyllama-ephemeral", s => s.Status?.Phase == ServicePhases.Ready, "Ready");
        Assert.Equal(CacheVolumes.Ephemeral, ready!.Status!.ModelCache!.Volume);
        var volume = (await Cluster.GetDeploymentAsync(ns, "tinyllama-ephemeral"))!.Spec.Template.Spec.Volumes.Single();
        Assert.Equal("2Gi", volume.EmptyDir.SizeLimit.ToString());
        Assert.Empty((await Cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items);
    }

    [Fact]
    public async Task A_pvc_source_waits_for_its_claim_and_ignores_a_claimName_visibly()
    {
        var ns = Ns("pvcsrc");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("staged", "pvc://store/llama/m.gguf") + Manifests.Service("svc", "staged", "  modelCache: {claimName: other}"), ns);

        var modelFailed = await TestCluster.EventuallyAsync(() => Cluster.GetModelAsync(ns, "staged"), m => m?.Status?.Phase == ModelPhases.Failed, "Model Failed (claim missing)");
        AssertCondition(modelFailed!.Status!.Conditions, ConditionTypes.Degraded, "True", Reasons.PvcNotFound);
        await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Failed && Reason(s, ConditionTypes.Degraded) == Reasons.ModelFailed, "Failed because the Model failed");

        await Cluster.ApplyAsync(Manifests.Claim("store", "ReadOnlyMany"), ns);
        await TestCluster.EventuallyAsync(() => Cluster.GetModelAsync(ns, "staged"), m => m?.Status?.Phase == ModelPhases.Pending, "Model Pending (claim not bound)");
        Cluster.Server.Control.BindClaim(ns, "store");

        var ready = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready");
        Assert.Equal((CacheVolumes.PvcSource, "store", "/model-source/llama/m.gguf"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName, ready.Status.ModelCache.ModelPath));
        AssertCondition(ready.Status.Conditions, ConditionTypes.ModelCacheReady, "False", Reasons.ClaimIgnored);
        var pod = (await Cluster.GetDeploymentAsync(ns, "svc"))!.Spec.Template.Spec;
        Assert.Null(pod.InitContainers);
        Assert.True(pod.Volumes.Single().PersistentVolumeClaim.ReadOnlyProperty);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.ModelCacheClaimIgnored && x.Message.Contains("pre-staged pvc://", StringComparison.Ordinal)), "ModelCacheClaimIgnored event");
        Assert.Null(await Cluster.GetClaimAsync(ns, "llmkube-model-cache"));
    }

    [Fact]
    public async Task A_service_created_before_its_model_converges_when_the_model_arrives()
    {
        var ns = Ns("late-model");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Service("svc", "late"), ns);
        var missing = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Failed, "Failed (no Model)");
        AssertCondition(missing!.Status!.Conditions, ConditionTypes.Degraded, "True", Reasons.ModelNotFound);

        await Cluster.ApplyAsync(Manifests.Model("late"), ns);
        await BindWhenCreatedAsync(ns, "llmkube-model-cache");
        var ready = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready once the Model exists");
        Assert.True(ready!.Status!.ModelReady);
    }

    [Fact]
    public async Task A_rwo_claim_pinned_to_another_node_is_reported_as_a_node_mismatch()
    {
        var ns = Ns("mismatch");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Claim("pinned"), ns);
        Cluster.Server.Control.BindClaim(ns, "pinned", new ClaimBinding { NodeHostnames = ["node-a"] });
        await Cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("svc", "m", "  modelCache: {claimName: pinned}\n  nodeSelector: {kubernetes.io/hostname: node-b}"), ns);

        var service = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s, ConditionTypes.ModelCacheReady) == Reasons.ModelCacheNodeMismatch, "ModelCacheReady=False/ModelCacheNodeMismatch");
        Assert.Contains("node-a", service!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.ModelCacheReady).Message, StringComparison.Ordinal);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.ModelCacheNodeMismatch && x.Type == "Warning"), "ModelCacheNodeMismatch event");
    }

    [Fact]
    public async Task Unsupported_runtimes_fail_with_the_field_and_ignored_fields_are_reported_once()
    {
        var ns = Ns("unsupported");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("vllm", "m", "  runtime: vllm") + Manifests.Service("scaled", "m", "  autoscaling: {maxReplicas: 3}"), ns);

        var vllm = await Cluster.WaitForServiceAsync(ns, "vllm", s => s.Status?.Phase == ServicePhases.Failed, "Failed");
        var degraded = AssertCondition(vllm!.Status!.Conditions, ConditionTypes.Degraded, "True", "FieldNotSupported");
        Assert.Contains("spec.runtime", degraded.Message, StringComparison.Ordinal);
        Assert.Null(await Cluster.GetDeploymentAsync(ns, "vllm"));

        await BindWhenCreatedAsync(ns, "llmkube-model-cache");
        await Cluster.WaitForServiceAsync(ns, "scaled", s => s.Status?.Phase == ServicePhases.Ready, "Ready despite an ignored field");
        var events = await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "scaled"), e => e.Any(x => x.Reason == "FieldNotSupported"), "FieldNotSupported event");
        var notSupported = Assert.Single(events, e => e.Reason == "FieldNotSupported");
        Assert.Contains("spec.autoscaling", notSupported.Message, StringComparison.Ordinal);
        Assert.Equal(1, notSupported.Count);
    }

    [Fact]
    public async Task Scale_subresource_and_suspend_drive_the_deployment_and_report_the_running_count()
    {
        var ns = Ns("scale");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("svc", "m"), ns);
        await BindWhenCreatedAsync(ns, "llmkube-model-cache");
        await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready");

        await Cluster.Kubectl.OkAsync("scale", "-n", ns, "isvc/svc", "--replicas=3");
        var scaled = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready && s.Status.Replicas == 3, "3 running replicas");
        Assert.Equal(3, (await Cluster.GetDeploymentAsync(ns, "svc"))!.Spec.Replicas);
        Assert.Equal(3, scaled!.Status!.DesiredReplicas);

        await Cluster.Kubectl.OkAsync("annotate", "-n", ns, "deployment/svc", "team.example/owner=ml");
        await Cluster.Kubectl.OkAsync("patch", "-n", ns, "isvc/svc", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
        var suspended = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Suspended, "Suspended");
        AssertCondition(suspended!.Status!.Conditions, ConditionTypes.Suspended, "True", Reasons.Suspended);
        var deployment = await TestCluster.EventuallyAsync(() => Cluster.GetDeploymentAsync(ns, "svc"), d => d?.Spec.Replicas == 0, "Deployment scaled to 0");
        Assert.Equal("ml", deployment!.Metadata.Annotations["team.example/owner"]);
    }

    private async Task BindWhenCreatedAsync(string ns, string claim)
    {
        await TestCluster.EventuallyAsync(() => Cluster.GetClaimAsync(ns, claim), c => c is not null, $"claim {claim} created");
        Cluster.Server.Control.BindClaim(ns, claim);
    }

    private static string? Reason(LlmKube.Api.Services.InferenceService s, string type) => s.Status?.Conditions?.FirstOrDefault(c => c.Type == type)?.Reason;

    private static V1Condition AssertCondition(IList<V1Condition>? conditions, string type, string status, string reason)
    {
        var condition = Assert.Single(conditions ?? [], c => c.Type == type);
        Assert.True(condition.Status == status && condition.Reason == reason, $"{type}: expected {status}/{reason}, got {condition.Status}/{condition.Reason}: {condition.Message}");
        Assert.NotNull(condition.ObservedGeneration);
        return condition;
    }
}
