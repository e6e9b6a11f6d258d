using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;

namespace EndToEnd.Tests;

/// <summary>
/// The provisioned per-service cache (issue 17) end to end: the operator binary (default flags: shared mode) against
/// the sandbox, objects applied with kubectl.
/// </summary>
[Collection(SharedOperatorCollection.Name)]
public sealed class ProvisionedCacheScenarios(SharedOperatorFixture fixture)
{
    private const string ExpandableClass = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fast-local}
        provisioner: kubernetes.io/no-provisioner
        volumeBindingMode: WaitForFirstConsumer
        allowVolumeExpansion: true
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fixed-local}
        provisioner: kubernetes.io/no-provisioner
        """;

    private TestCluster Cluster => fixture.Cluster;

    private static string Ns(string test) => $"e2e-{test}-{Guid.NewGuid():N}"[..40].TrimEnd('-');

    private static string Cache(string fields) => $"  modelCache: {{{fields}}}";

    [Fact]
    public async Task A_service_with_class_and_size_gets_its_own_owned_claim_in_shared_mode_and_claimName_too_is_rejected()
    {
        var ns = Ns("provisioned");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(ExpandableClass, ns);

        var rejected = await Cluster.Kubectl.ApplyAsync(Manifests.Model("m") + Manifests.Service("both", "m", Cache("claimName: mine, storageClassName: fast-local, size: 200Gi")), ns);
        Assert.NotEqual(0, rejected.Code);
        Assert.Contains("spec.modelCache.claimName cannot be set together with spec.modelCache.storageClassName, size or accessMode", rejected.Stderr, StringComparison.Ordinal);
        var tooSmall = await Cluster.Kubectl.ApplyAsync(Manifests.Service("tiny", "m", Cache("size: 512Mi")), ns);
        Assert.Contains("spec.modelCache.size must be a quantity of at least 1Gi", tooSmall.Stderr, StringComparison.Ordinal);

        await Cluster.ApplyAsync(Manifests.Service("svc", "m", Cache("storageClassName: fast-local, size: 200Gi")), ns);
        var claim = await BindWhenCreatedAsync(ns, "svc-model-cache");
        var ready = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready && Reason(s) == Reasons.ClaimBound, "Ready on its provisioned claim");

        Assert.Equal("fast-local", claim.Spec.StorageClassName);
        Assert.Equal("200Gi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        var owner = Assert.Single(claim.Metadata.OwnerReferences);
        Assert.Equal((InferenceService.KindName, "svc", true), (owner.Kind, owner.Name, owner.Controller == true));
        Assert.Equal(("model-cache", "svc"), (claim.Metadata.Labels["app.kubernetes.io/component"], claim.Metadata.Labels["inference.llmkube.dev/service"]));
        var cache = ready!.Status!.ModelCache!;
        Assert.Equal((CacheVolumes.Provisioned, "svc-model-cache", "fast-local", "200Gi"), (cache.Volume, cache.ClaimName, cache.StorageClassName, cache.Size));
        Assert.Null(await Cluster.GetClaimAsync(ns, "llmkube-model-cache")); // shared mode, yet no shared claim: this service has its own
        Assert.Equal("svc-model-cache", (await Cluster.GetDeploymentAsync(ns, "svc"))!.Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache").PersistentVolumeClaim.ClaimName);
    }

    [Fact]
    public async Task Growing_size_expands_an_expandable_claim_and_reports_until_it_is_done()
    {
        var ns = await ServiceOnBoundClaimAsync("grow", "fast-local");

        await Cluster.ApplyAsync(Manifests.Service("svc", "m", Cache("storageClassName: fast-local, size: 250Gi")), ns);
        var grown = await TestCluster.EventuallyAsync(() => Cluster.GetClaimAsync(ns, "svc-model-cache"), c => c?.Spec.Resources.Requests["storage"].ToString() == "250Gi", "claim request 250Gi");
        Assert.Equal("200Gi", grown!.Status.Capacity["storage"].ToString());
        var resizing = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimResizing && s.Status?.ObservedGeneration == 2, "ClaimResizing");
        Assert.Equal(ServicePhases.Ready, resizing!.Status!.Phase); // the cache stays usable while it grows
        Assert.Equal("250Gi", resizing.Status.ModelCache!.Size);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.ClaimResizing && x.Type == "Normal"), "ClaimResizing event");

        Cluster.Server.Control.BindClaim(ns, "svc-model-cache"); // the storage provider finishes: capacity 250Gi
        await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimBound, "resize finished");
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.ModelCacheResized), "ModelCacheResized event");
    }

    [Fact]
    public async Task Growing_on_a_class_that_cannot_expand_and_shrinking_are_refused_in_status()
    {
        var ns = await ServiceOnBoundClaimAsync("refuse", "fixed-local");

        await Cluster.ApplyAsync(Manifests.Service("svc", "m", Cache("storageClassName: fixed-local, size: 300Gi")), ns);
        var refused = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimResizeRefused, "growth refused");
        Assert.Contains("allowVolumeExpansion", Condition(refused!).Message, StringComparison.Ordinal);
        Assert.Equal("200Gi", (await Cluster.GetClaimAsync(ns, "svc-model-cache"))!.Spec.Resources.Requests["storage"].ToString());

        await Cluster.ApplyAsync(Manifests.Service("svc", "m", Cache("storageClassName: fixed-local, size: 100Gi")), ns);
        var shrink = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimResizeRefused && Condition(s).Message.Contains("do not shrink", StringComparison.Ordinal), "shrink refused");
        Assert.Equal(ServicePhases.Ready, shrink!.Status!.Phase);
        await Cluster.ApplyAsync(Manifests.Service("svc", "m", Cache("storageClassName: fast-local, size: 200Gi")), ns);
        var moved = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimClassMismatch, "class change reported");
        Assert.Contains($"kubectl delete pvc svc-model-cache -n {ns}", Condition(moved!).Message, StringComparison.Ordinal);
        Assert.Equal(0, Cluster.Server.Control.GetRequestCounts().Count(resource: "persistentvolumeclaims", verb: "patch", ns: ns, user: TestCluster.OperatorUser));
        Assert.NotNull(await Cluster.GetClaimAsync(ns, "svc-model-cache"));
    }

    [Fact]
    public async Task A_model_larger_than_its_claim_reports_CacheTooSmall_and_starts_no_download()
    {
        using var source = new TinyHttpSource { Length = 300L << 30, ServesBody = false };
        var ns = Ns("toosmall");
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(ExpandableClass + "\n---\n" + Manifests.Model("big", source.Url("big.gguf")) + Manifests.Service("svc", "big", Cache("storageClassName: fast-local, size: 200Gi")), ns);
        await TestCluster.EventuallyAsync(() => Cluster.GetModelAsync(ns, "big"), m => m?.Status?.SourceContentLength == 300L << 30, "the Model's size known");

        var failed = await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.CacheTooSmall, "CacheTooSmall");
        var condition = Condition(failed!);
        Assert.Equal("False", condition.Status);
        Assert.Contains("300.0 GiB", condition.Message, StringComparison.Ordinal);
        Assert.Contains("200.0 GiB", condition.Message, StringComparison.Ordinal);
        Assert.Equal(ServicePhases.Failed, failed!.Status!.Phase);
        Assert.Null(await Cluster.GetDeploymentAsync(ns, "svc")); // no pod, so no download
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == Reasons.CacheTooSmall && x.Type == "Warning"), "CacheTooSmall event");
    }

    /// <summary>A namespace with service svc on its 200Gi provisioned claim of <paramref name="storageClass"/>, bound.</summary>
    private async Task<string> ServiceOnBoundClaimAsync(string test, string storageClass)
    {
        var ns = Ns(test);
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(ExpandableClass + "\n---\n" + Manifests.Model("m") + Manifests.Service("svc", "m", Cache($"storageClassName: {storageClass}, size: 200Gi")), ns);
        await BindWhenCreatedAsync(ns, "svc-model-cache");
        // Ready too: a new service waits (≤ 10 s) for its Model's size after the claim is checked, before its Deployment.
        await Cluster.WaitForServiceAsync(ns, "svc", s => Reason(s) == Reasons.ClaimBound && s.Status?.Phase == ServicePhases.Ready, "Ready on a bound claim");
        return ns;
    }

    private async Task<V1PersistentVolumeClaim> BindWhenCreatedAsync(string ns, string claim)
    {
        await TestCluster.EventuallyAsync(() => Cluster.GetClaimAsync(ns, claim), c => c is not null, $"claim {claim} created");
        Cluster.Server.Control.BindClaim(ns, claim);
        return (await Cluster.GetClaimAsync(ns, claim))!;
    }

    private static V1Condition Condition(InferenceService s) => s.Status!.Conditions!.Single(c => c.Type == ConditionTypes.ModelCacheReady);

    private static string? Reason(InferenceService s) => s.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.ModelCacheReady)?.Reason;
}
