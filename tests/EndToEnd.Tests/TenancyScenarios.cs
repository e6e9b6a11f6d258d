using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.Core.Builders;
using LlmKube.Sandbox;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests;

/// <summary>
/// What a namespace user can make the operator do on their behalf (issue 19), played as that user: "alice" may only
/// manage Models, InferenceServices and claims in her namespace (RBAC enforced by the sandbox; she cannot create
/// Deployments, Services or pods), and the real operator binary runs as its own service account.
/// </summary>
public sealed class TenancyScenarios : IAsyncLifetime
{
    private const string Team = "team";
    private const string Locked = "locked";
    private const string Tenant = "alice";

    // The operator reads everything and writes its own kinds everywhere, but may write Deployments and Services only in
    // "team": in "locked" every child write is refused with 403, a permanent answer.
    private static readonly string Roles = $"""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {"{"}name: operator-base{"}"}
        rules:
          - {"{"}apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch]{"}"}
          - {"{"}apiGroups: [inference.llmkube.dev], resources: ["*"], verbs: [patch, update]{"}"}
          - {"{"}apiGroups: ["", events.k8s.io], resources: [events], verbs: [create, patch]{"}"}
          - {"{"}apiGroups: [""], resources: [configmaps, persistentvolumeclaims], verbs: [create, update]{"}"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {"{"}name: operator-base{"}"}
        roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator-base{"}"}
        subjects: [{"{"}kind: ServiceAccount, name: llmkube-operator, namespace: {TestCluster.OperatorNamespace}{"}"}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {"{"}name: operator-children{"}"}
        rules:
          - {"{"}apiGroups: [apps], resources: [deployments], verbs: [create, update, delete]{"}"}
          - {"{"}apiGroups: [""], resources: [services], verbs: [create, update]{"}"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {"{"}name: operator-children, namespace: {Team}{"}"}
        roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: operator-children{"}"}
        subjects: [{"{"}kind: ServiceAccount, name: llmkube-operator, namespace: {TestCluster.OperatorNamespace}{"}"}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {"{"}name: llmkube-tenant{"}"}
        rules:
          - {"{"}apiGroups: [inference.llmkube.dev], resources: [models, inferenceservices], verbs: ["*"]{"}"}
          - {"{"}apiGroups: [""], resources: [persistentvolumeclaims], verbs: ["*"]{"}"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {"{"}name: alice, namespace: {Team}{"}"}
        roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: llmkube-tenant{"}"}
        subjects: [{"{"}kind: User, name: {Tenant}{"}"}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {"{"}name: alice, namespace: {Locked}{"}"}
        roleRef: {"{"}apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: llmkube-tenant{"}"}
        subjects: [{"{"}kind: User, name: {Tenant}{"}"}]
        """;

    private readonly ScratchDirectory _scratch = new("llmkube-tenancy-");
    private TestCluster _cluster = null!;
    private OperatorProcess _operator = null!;
    private Kubectl _alice = null!;

    public async Task InitializeAsync()
    {
        var roles = Path.Combine(_scratch.Path, "roles.yaml");
        await File.WriteAllTextAsync(roles, Roles);
        _cluster = await TestCluster.StartAsync(new SandboxOptions
        {
            Simulation = new SimulationOptions { Deployments = true, PvcBinding = true },
            Rbac = new RbacOptions { Enforce = true, RoleFiles = [roles] },
        });
        _alice = new Kubectl(_cluster.Server.WriteKubeconfig(Path.Combine(_scratch.Path, "alice.kubeconfig"), Tenant), Path.Combine(_scratch.Path, "alice-cache"));
        _operator = await _cluster.StartOperatorAsync("--resync-period", "10s", "--event-dedup-window", "1m");
    }

    public async Task DisposeAsync()
    {
        await _operator.DisposeAsync();
        await _cluster.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public async Task A_service_named_like_a_foreign_Service_is_refused_and_nothing_is_created()
    {
        // Someone else's Service "web" (no labels of ours) whose selector matches the pods the operator would label app=web.
        var web = await _cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, Team);
        await AsAliceAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("web", "m"), Team);

        var failed = await _cluster.WaitForServiceAsync(Team, "web", s => s.Status?.Phase == ServicePhases.Failed, "Failed with a ResourceConflict");
        var degraded = failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded);
        Assert.Equal(Reasons.ResourceConflict, degraded.Reason);
        Assert.Contains($"Service web already exists in namespace {Team}", degraded.Message, StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(5)); // still nothing written, no hot loop
        Assert.Null(await _cluster.GetDeploymentAsync(Team, "web")); // every name is checked before anything is created
        Assert.Equal(web.Metadata.ResourceVersion, (await _cluster.Client.CoreV1.ReadNamespacedServiceAsync("web", Team)).Metadata.ResourceVersion);
        var counts = _cluster.Server.Control.GetRequestCounts();
        Assert.Equal(0, counts.Count(verb: "create", resource: "services", ns: Team, user: TestCluster.OperatorUser));
        Assert.Equal(0, counts.Count(verb: "create", resource: "deployments", ns: Team, user: TestCluster.OperatorUser));
        Assert.Single(await _cluster.EventsAsync(Team, "web"), x => x.Reason == Reasons.ResourceConflict);
        Assert.DoesNotContain("   at ", _operator.Log, StringComparison.Ordinal);

        // Once the stranger's Service is gone, ours is created (its removal wakes the service: the next test).
        await _cluster.Client.CoreV1.DeleteNamespacedServiceAsync("web", Team);
        await _cluster.WaitForServiceAsync(Team, "web", s => s.Status?.Phase == ServicePhases.Ready, "Ready once the name is free", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_service_named_like_a_foreign_Deployment_is_refused_and_no_Service_is_created()
    {
        var labels = new Dictionary<string, string> { ["app"] = "api" };
        var foreign = await _cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "api" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "api", Image = "api:1" }] } },
            },
        }, Team);
        await AsAliceAsync(Manifests.Model("m2", "s3://bucket/m.gguf") + Manifests.Service("api", "m2"), Team);

        var failed = await _cluster.WaitForServiceAsync(Team, "api", s => s.Status?.Phase == ServicePhases.Failed, "Failed with a ResourceConflict");
        var degraded = failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded);
        Assert.Equal((Reasons.ResourceConflict, true), (degraded.Reason, degraded.Message.Contains($"Deployment api already exists in namespace {Team}", StringComparison.Ordinal)));
        Assert.Null(await NotFoundService("api"));
        var after = (await _cluster.GetDeploymentAsync(Team, "api"))!;
        Assert.Equal((foreign.Metadata.Generation, "api:1"), (after.Metadata.Generation, after.Spec.Template.Spec.Containers.Single().Image));
        Assert.Null(after.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task A_foreign_objects_removal_wakes_the_service_it_blocked_without_waiting_for_a_resync()
    {
        // An operator that would not resync for an hour: only the watch of unlabelled Services can say the name is free.
        await _operator.DisposeAsync();
        _operator = await _cluster.StartOperatorAsync("--resync-period", "1h");
        await _cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, Team);
        await AsAliceAsync(Manifests.Model("m5", "s3://bucket/m.gguf") + Manifests.Service("web", "m5"), Team);
        await _cluster.WaitForServiceAsync(Team, "web", s => s.Status?.Phase == ServicePhases.Failed, "Failed with a ResourceConflict");

        await _cluster.Client.CoreV1.DeleteNamespacedServiceAsync("web", Team);
        await _cluster.WaitForServiceAsync(Team, "web", s => s.Status?.Phase == ServicePhases.Ready, "Ready once the name is free, with no resync due", TimeSpan.FromSeconds(30));
        var ours = await _cluster.Client.CoreV1.ReadNamespacedServiceAsync("web", Team);
        Assert.Equal("InferenceService", Assert.Single(ours.Metadata.OwnerReferences).Kind);
    }

    [Fact]
    public async Task A_foreign_Service_wearing_our_label_to_hide_from_the_unlabelled_cache_is_still_refused()
    {
        // Our label moves it from the metadata-only cache to the labelled one: it is found there, and not controlled by
        // the service it names, so it is as foreign as without the label.
        await _cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { [ObjectLabels.RuntimeLabel] = "llamacpp" } },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80 }] },
        }, Team);
        await AsAliceAsync(Manifests.Model("m6", "s3://bucket/m.gguf") + Manifests.Service("web", "m6"), Team);

        var failed = await _cluster.WaitForServiceAsync(Team, "web", s => s.Status?.Phase == ServicePhases.Failed, "Failed with a ResourceConflict");
        Assert.Equal(Reasons.ResourceConflict, failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded).Reason);
        var counts = _cluster.Server.Control.GetRequestCounts();
        Assert.Equal(0, counts.Count(verb: "create", resource: "deployments", ns: Team, user: TestCluster.OperatorUser)
            + counts.Writes(user: TestCluster.OperatorUser, resource: "services", ns: Team));
    }

    [Fact]
    public async Task A_new_service_takes_free_names_without_reading_them_from_the_API()
    {
        // Every name is checked in the caches (ours whole, the others' metadata): creating a service reads nothing.
        await AsAliceAsync(Manifests.Model("m3", "s3://bucket/m.gguf") + Manifests.Service("chat", "m3"), Team);
        await _cluster.WaitForServiceAsync(Team, "chat", s => s.Status?.Phase == ServicePhases.Ready, "Ready");

        var counts = _cluster.Server.Control.GetRequestCounts();
        foreach (var resource in new[] { "deployments", "services" })
        {
            Assert.Equal(1, counts.Count(verb: "create", resource: resource, ns: Team, user: TestCluster.OperatorUser));
            Assert.Equal(0, counts.Count(verb: "list", resource: resource, ns: Team, user: TestCluster.OperatorUser) + counts.Count(verb: "get", resource: resource, ns: Team, user: TestCluster.OperatorUser));
        }
    }

    [Fact]
    public async Task Our_Deployment_stripped_of_its_label_is_still_ours_read_whole_and_put_right()
    {
        // Without the label it leaves the labelled cache for the metadata-only one; controlled by the service, it is
        // read whole and its label restored, not reported as someone else's.
        await AsAliceAsync(Manifests.Model("m4", "s3://bucket/m.gguf") + Manifests.Service("chat", "m4"), Team);
        await _cluster.WaitForServiceAsync(Team, "chat", s => s.Status?.Phase == ServicePhases.Ready, "Ready");
        var label = ObjectLabels.RuntimeLabel.Replace("/", "~1", StringComparison.Ordinal);
        await _cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch($$"""[{"op":"remove","path":"/metadata/labels/{{label}}"}]""", V1Patch.PatchType.JsonPatch), "chat", Team);

        var restored = await TestCluster.EventuallyAsync(() => _cluster.GetDeploymentAsync(Team, "chat"),
            d => d?.Metadata.Labels?.ContainsKey(ObjectLabels.RuntimeLabel) == true, "the runtime label restored by the operator");
        Assert.Equal(ServerContainer.Name, restored!.Spec.Template.Spec.Containers[0].Name);
        var service = await _cluster.GetInferenceServiceAsync(Team, "chat");
        Assert.Equal(ServicePhases.Ready, service!.Status!.Phase);
        Assert.DoesNotContain(await _cluster.EventsAsync(Team, "chat"), x => x.Reason == Reasons.ResourceConflict);
        Assert.Equal(1, _cluster.Server.Control.GetRequestCounts().Count(verb: "list", resource: "deployments", ns: Team, user: TestCluster.OperatorUser));
    }

    [Fact]
    public async Task A_shared_cache_claim_the_tenant_made_is_reported_not_adopted()
    {
        // alice pre-creates the namespace's cache claim herself (storage class and contents of her choosing).
        await AsAliceAsync(Manifests.Claim("llmkube-model-cache"), Team);
        await AsAliceAsync(Manifests.Model("m3", "s3://bucket/m3.gguf") + Manifests.Service("cached", "m3"), Team);

        var failed = await _cluster.WaitForServiceAsync(Team, "cached", s => s.Status?.Phase == ServicePhases.Failed, "Failed: the shared claim is not ours");
        var degraded = failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded);
        Assert.Equal(Reasons.ResourceConflict, degraded.Reason);
        Assert.Contains("PersistentVolumeClaim llmkube-model-cache", degraded.Message, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.claimName", degraded.Message, StringComparison.Ordinal);
        Assert.Null(await _cluster.GetDeploymentAsync(Team, "cached"));
    }

    [Fact]
    public async Task A_permanent_refusal_of_a_child_fails_the_service_with_the_API_message_once_and_without_a_hot_loop()
    {
        await AsAliceAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("chat", "m"), Locked);

        var failed = await _cluster.WaitForServiceAsync(Locked, "chat", s => s.Status?.Phase == ServicePhases.Failed, "Failed: the operator may not create Deployments here");
        var degraded = failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded);
        Assert.Equal(Reasons.ResourceRejected, degraded.Reason);
        Assert.Contains("Deployment chat", degraded.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", degraded.Message, StringComparison.Ordinal);
        Assert.Contains("cannot create resource \"deployments\"", degraded.Message, StringComparison.Ordinal);
        Assert.Equal(failed.Metadata.Generation, degraded.ObservedGeneration);

        var before = Attempts();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var retries = Attempts() - before;
        Assert.True(retries <= 2, $"{retries} create attempts in 5 s: a permanent refusal is retried only after a change or at resync (10 s)");
        var events = await _cluster.EventsAsync(Locked, "chat");
        Assert.Single(events, x => x.Reason == Reasons.ResourceRejected);
        Assert.DoesNotContain("   at ", _operator.Log, StringComparison.Ordinal); // an expected answer, not a defect: no stack trace

        long Attempts() => _cluster.Server.Control.GetRequestCounts().Count(verb: "create", resource: "deployments", ns: Locked, user: TestCluster.OperatorUser);
    }

    [Fact]
    public async Task What_a_tenant_could_not_put_into_a_pod_herself_is_refused_naming_the_field_and_the_flag()
    {
        await AsAliceAsync(Manifests.Model("m", "s3://bucket/m.gguf")
            + Manifests.Service("root", "m", "  securityContext: {privileged: true}")
            + Manifests.Service("etc", "m", "  extraVolumes: [{name: etc, hostPath: {path: /etc}}]\n  extraVolumeMounts: [{name: etc, mountPath: /host-etc}]")
            + Manifests.Service("thief", "m", "  extraVolumeMounts: [{name: model-cache, mountPath: /steal}]"), Team);

        foreach (var (name, field, fix) in new[]
        {
            ("root", "spec.securityContext.privileged", "--pod-security-level=privileged"),
            ("etc", "spec.extraVolumes[0].hostPath.path", "--allowed-host-path-roots"),
            ("thief", "spec.extraVolumeMounts[0].name", "mount a volume from spec.extraVolumes"),
        })
        {
            var failed = await _cluster.WaitForServiceAsync(Team, name, s => s.Status?.Phase == ServicePhases.Failed, "Failed by the workload policy");
            var degraded = failed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.Degraded);
            Assert.Equal(Reasons.PolicyViolation, degraded.Reason);
            Assert.Contains(field, degraded.Message, StringComparison.Ordinal);
            Assert.Contains(fix, degraded.Message, StringComparison.Ordinal);
            Assert.Null(await _cluster.GetDeploymentAsync(Team, name));
        }
    }

    private async Task AsAliceAsync(string yaml, string ns)
    {
        var (code, _, stderr) = await _alice.ApplyAsync(yaml, ns);
        Assert.True(code == 0, $"alice's kubectl apply failed: {stderr}");
    }

    private Task<V1Service?> NotFoundService(string name) =>
        LlmKube.ControllerRuntime.NotFound.OrNullAsync(() => _cluster.Client.CoreV1.ReadNamespacedServiceAsync(name, Team));
}
