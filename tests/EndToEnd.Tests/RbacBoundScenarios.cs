using System.Text.Json.Nodes;
using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;
using LlmKube.ControllerRuntime;
using LlmKube.Sandbox;

namespace EndToEnd.Tests;

/// <summary>
/// The chart's RBAC, proven by running under it: <c>helm template</c> renders the chart; the sandbox enforces the
/// rendered ClusterRole, Roles and bindings for the operator's service account (nothing else is granted); the
/// operator binary runs with the flags of the rendered Deployment; the main scenarios converge; the sandbox counts
/// zero 403s for the service account; and every verb the chart grants was used. A grant the operator never uses
/// fails here, as does a missing one (a 403, or an informer that never syncs).
/// </summary>
public sealed class RbacBoundScenarios
{
    private const string Sa = TestCluster.OperatorUser;

    [HelmFact]
    public async Task The_operator_converges_under_the_chart_rbac_and_uses_every_verb_it_grants()
    {
        Assert.True(HelmChart.Missing is null, HelmChart.Missing);
        var chart = await HelmChart.TemplateAsync();
        var perServiceChart = await HelmChart.TemplateAsync("modelCache.mode=perService");
        var objects = YamlDocuments.Parse(chart);
        var roles = objects.Where(o => (string?)o["kind"] is "ClusterRole" or "Role").ToList();
        Assert.Equal(Rbac(objects), Rbac(YamlDocuments.Parse(perServiceChart))); // the cache mode changes flags, not permissions

        using var scratch = new ScratchDirectory("llmkube-rbac-");
        var chartFile = Path.Combine(scratch.Path, "chart.yaml");
        await File.WriteAllTextAsync(chartFile, chart);
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions
        {
            Simulation = new SimulationOptions { Deployments = true, PvcBinding = true },
            Rbac = new RbacOptions { Enforce = true, RoleFiles = [chartFile] }, // no extra user binding: the chart's bindings must name the service account
        });
        await cluster.Kubectl.OkAsync("apply", "-f", chartFile); // every rendered object is admitted (CRDs, ServiceAccount, Deployment, Service, RBAC)

        // Operator 1: the default chart (shared cache, leader election), at test speed.
        await using (var first = await ChartOperator.StartAsync(Args(objects), cluster.OperatorKubeconfig, "--resync-period", "1s", "--event-dedup-window", "2s"))
        {
            Assert.Contains("--leader-elect", first.Args);
            await cluster.CreateNamespaceAsync("rbac");
            await SharedClaimAsync(cluster);
            await UserClaimIsOnlyReadAsync(cluster);
            await MissingClaimThenCreatedAsync(cluster);
            await PvcSourceAsync(cluster);
            await UpdatesAsync(cluster);
            await SelectorChangeAsync(cluster);
            await ProvisionedClaimGrowsAsync(cluster);
            var lease = await TestCluster.EventuallyAsync(ReadLeaseAsync(cluster), l => l?.Spec?.HolderIdentity is { Length: > 0 }, "a leader Lease");
            await TestCluster.EventuallyAsync(() => Task.FromResult(cluster.Server.Control.GetRequestCounts().Count(verb: "update", resource: "leases", user: Sa, code: 200)), n => n > 0, "the Lease renewed");

            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(30)));
            var released = await ReadLeaseAsync(cluster)();
            Assert.True(string.IsNullOrEmpty(released!.Spec.HolderIdentity), $"the Lease held by {lease!.Spec.HolderIdentity} was not released on SIGTERM:\n{first.Log}");
        }

        // Operator 2: the perService chart takes the released Lease over and creates an owned claim.
        await using (var second = await ChartOperator.StartAsync(Args(YamlDocuments.Parse(perServiceChart)), cluster.OperatorKubeconfig, "--resync-period", "1s"))
        {
            await PerServiceClaimAsync(cluster);
            Assert.Equal(0, await second.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        var counts = cluster.Server.Control.GetRequestCounts();
        var mine = counts.Entries.Where(e => e.User == Sa).ToList();
        var forbidden = mine.Where(e => e.Code == 403).ToList();
        Assert.True(forbidden.Count == 0, "403s for the operator's service account: " + Describe(forbidden));

        var granted = new SortedSet<string>(roles.SelectMany(GrantKeys), StringComparer.Ordinal);
        var used = new SortedSet<string>(mine.Select(e => Key(e.Group, e.Subresource.Length > 0 ? $"{e.Resource}/{e.Subresource}" : e.Resource, e.Verb)), StringComparer.Ordinal);
        var unused = granted.Except(used).ToList();
        Assert.True(unused.Count == 0, $"the chart grants verbs the operator never used: [{string.Join(", ", unused)}]; used: {Describe(mine)}");
        Assert.Empty(used.Except(granted)); // implied by zero 403s; stated for the reader
        Assert.Equal(0, mine.Where(e => e.Resource == "persistentvolumeclaims" && e.Verb is not ("list" or "watch" or "create" or "patch")).Sum(e => e.Count));
        Assert.Equal(1L, counts.Count(resource: "persistentvolumeclaims", verb: "patch", user: Sa)); // the one growth asked for, no more
    }

    [HelmFact]
    public async Task With_a_watch_namespace_the_operator_needs_only_that_namespace_and_volumes()
    {
        Assert.True(HelmChart.Missing is null, HelmChart.Missing);
        var chart = await HelmChart.TemplateAsync("watchNamespace=team-a");
        using var scratch = new ScratchDirectory("llmkube-rbac-ns-");
        var chartFile = Path.Combine(scratch.Path, "chart.yaml");
        await File.WriteAllTextAsync(chartFile, chart);
        await using var cluster = await TestCluster.StartAsync(new SandboxOptions
        {
            Simulation = new SimulationOptions { Deployments = true, PvcBinding = true },
            Rbac = new RbacOptions { Enforce = true, RoleFiles = [chartFile] },
        });
        await cluster.CreateNamespaceAsync("team-b");
        await using (var op = await ChartOperator.StartAsync(Args(YamlDocuments.Parse(chart)), cluster.OperatorKubeconfig))
        {
            Assert.Contains("--namespace=team-a", op.Args);
            await cluster.ApplyAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("svc", "m"), "team-a");
            await cluster.ApplyAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("svc", "m"), "team-b");
            await cluster.WaitForServiceAsync("team-a", "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready in the watched namespace");
            Assert.NotNull(await cluster.GetClaimAsync("team-a", "llmkube-model-cache"));
            Assert.Equal(0, await op.TerminateAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Null((await cluster.GetInferenceServiceAsync("team-b", "svc"))!.Status);
        var mine = cluster.Server.Control.GetRequestCounts().Entries.Where(e => e.User == Sa).ToList();
        Assert.True(mine.All(e => e.Code != 403), "403s: " + Describe(mine.Where(e => e.Code == 403)));
        Assert.All(mine, e => Assert.True(
            e.Namespace == "team-a" || (e.Namespace == HelmChart.ReleaseNamespace && e.Resource is "leases" or "configmaps") || (e.Namespace.Length == 0 && e.Resource == "persistentvolumes"),
            $"unexpected request outside team-a: {e.Verb} {e.Resource} in '{e.Namespace}'"));
    }

    private static async Task ProvisionedClaimGrowsAsync(TestCluster cluster)
    {
        await cluster.ApplyAsync("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: grows}\nprovisioner: example.com/local\nallowVolumeExpansion: true\n", "rbac");
        await cluster.ApplyAsync(Manifests.Service("grown", "m", "  modelCache: {storageClassName: grows, size: 2Gi}"), "rbac");
        await cluster.WaitForServiceAsync("rbac", "grown", s => s.Status?.Phase == ServicePhases.Ready && s.Status.ModelCache?.Volume == CacheVolumes.Provisioned, "Ready on its provisioned claim");
        await TestCluster.EventuallyAsync(() => cluster.GetClaimAsync("rbac", "grown-model-cache"), c => c?.Status?.Phase == "Bound", "provisioned claim bound");
        await cluster.ApplyAsync(Manifests.Service("grown", "m", "  modelCache: {storageClassName: grows, size: 3Gi}"), "rbac");
        await TestCluster.EventuallyAsync(() => cluster.GetClaimAsync("rbac", "grown-model-cache"), c => c?.Spec.Resources.Requests["storage"].ToString() == "3Gi", "claim request grown to 3Gi");
    }

    private static async Task SharedClaimAsync(TestCluster cluster)
    {
        await cluster.ApplyAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("shared-a", "m"), "rbac");
        var ready = await cluster.WaitForServiceAsync("rbac", "shared-a", s => s.Status?.Phase == ServicePhases.Ready, "Ready on the shared claim");
        Assert.Equal((CacheVolumes.Shared, "llmkube-model-cache"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
        var claim = await cluster.GetClaimAsync("rbac", "llmkube-model-cache");
        Assert.Null(claim!.Metadata.OwnerReferences);
        await TestCluster.EventuallyAsync(() => cluster.EventsAsync("rbac", "shared-a"), e => e.Any(x => x.Reason == Reasons.ModelCacheClaimCreated), "ModelCacheClaimCreated event");
    }

    private static async Task UserClaimIsOnlyReadAsync(TestCluster cluster)
    {
        await cluster.ApplyAsync(Manifests.Claim("mine"), "rbac");
        var before = await TestCluster.EventuallyAsync(() => cluster.GetClaimAsync("rbac", "mine"), c => c?.Status?.Phase == "Bound", "claim mine bound");
        await cluster.ApplyAsync(Manifests.Service("byo", "m", "  modelCache: {claimName: mine}"), "rbac");
        var ready = await cluster.WaitForServiceAsync("rbac", "byo", s => s.Status?.Phase == ServicePhases.Ready, "Ready on the user's claim");
        Assert.Equal((CacheVolumes.UserClaim, "mine"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
        Assert.Equal(before!.Metadata.ResourceVersion, (await cluster.GetClaimAsync("rbac", "mine"))!.Metadata.ResourceVersion);
    }

    private static async Task MissingClaimThenCreatedAsync(TestCluster cluster)
    {
        await cluster.ApplyAsync(Manifests.Service("late", "m", "  modelCache: {claimName: later}"), "rbac");
        await cluster.WaitForServiceAsync("rbac", "late", s => s.Status?.Phase == ServicePhases.Failed, "Failed without its claim");

        // Re-reconciled every second (resync), the same warning is suppressed within the 2 s window and then
        // aggregated: the recorder patches the Event's count.
        var events = await TestCluster.EventuallyAsync(() => cluster.EventsAsync("rbac", "late"),
            e => e.Any(x => x.Reason == Reasons.ModelCachePvcNotFound && x.Count >= 2), "ModelCachePVCNotFound event counted twice", TimeSpan.FromSeconds(20));
        Assert.Single(events, e => e.Reason == Reasons.ModelCachePvcNotFound);

        await cluster.ApplyAsync(Manifests.Claim("later"), "rbac");
        await cluster.WaitForServiceAsync("rbac", "late", s => s.Status?.Phase == ServicePhases.Ready, "Ready once the claim exists", TimeSpan.FromSeconds(15));
    }

    private static async Task PvcSourceAsync(TestCluster cluster)
    {
        await cluster.ApplyAsync(Manifests.Claim("store", "ReadOnlyMany") + Manifests.Model("staged", "pvc://store/llama/m.gguf") + Manifests.Service("from-pvc", "staged"), "rbac");
        var ready = await cluster.WaitForServiceAsync("rbac", "from-pvc", s => s.Status?.Phase == ServicePhases.Ready, "Ready from a pvc:// source");
        Assert.Equal((CacheVolumes.PvcSource, "store"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
    }

    private static async Task UpdatesAsync(TestCluster cluster)
    {
        await cluster.Kubectl.OkAsync("patch", "-n", "rbac", "isvc/shared-a", "--type=merge", "-p", "{\"spec\":{\"replicas\":2,\"endpoint\":{\"port\":8081}}}");
        await TestCluster.EventuallyAsync(() => cluster.GetDeploymentAsync("rbac", "shared-a"), d => d?.Spec.Replicas == 2, "Deployment updated to 2 replicas");
        await TestCluster.EventuallyAsync(async () => await cluster.Client.CoreV1.ReadNamespacedServiceAsync("shared-a", "rbac"), s => s.Spec.Ports.Single().Port == 8081, "Service updated to port 8081");
    }

    private static async Task SelectorChangeAsync(TestCluster cluster)
    {
        // An owned Deployment whose (immutable) selector is not ours, as an older release might have left: replaced.
        await cluster.ApplyAsync(Manifests.Service("legacy", "m2"), "rbac");
        var service = await cluster.WaitForServiceAsync("rbac", "legacy", s => s.Status?.Phase == ServicePhases.Failed, "Failed (no Model yet)");
        var labels = new Dictionary<string, string> { ["app"] = "legacy", ["legacy"] = "true", ["inference.llmkube.dev/runtime"] = "llamacpp" };
        var old = await cluster.Client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta
            {
                Name = "legacy",
                Labels = labels,
                OwnerReferences = [new V1OwnerReference { ApiVersion = ApiGroup.ApiVersion, Kind = "InferenceService", Name = "legacy", Uid = service!.Metadata.Uid, Controller = true }],
            },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "legacy", ["legacy"] = "true" } },
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "server", Image = "old" }] } },
            },
        }, "rbac");

        await cluster.ApplyAsync(Manifests.Model("m2", "s3://bucket/m2.gguf"), "rbac");
        var replaced = await TestCluster.EventuallyAsync(() => cluster.GetDeploymentAsync("rbac", "legacy"), d => d is not null && d.Metadata.Uid != old.Metadata.Uid, "the Deployment re-created");
        Assert.Equal(new Dictionary<string, string> { ["app"] = "legacy", ["inference.llmkube.dev/service"] = "legacy" }, replaced!.Spec.Selector.MatchLabels);
        await cluster.WaitForServiceAsync("rbac", "legacy", s => s.Status?.Phase == ServicePhases.Ready, "Ready after the re-creation");
    }

    private static async Task PerServiceClaimAsync(TestCluster cluster)
    {
        await cluster.CreateNamespaceAsync("rbac-ps");
        await cluster.ApplyAsync(Manifests.Model("m", "s3://bucket/m.gguf") + Manifests.Service("ps", "m"), "rbac-ps");
        var ready = await cluster.WaitForServiceAsync("rbac-ps", "ps", s => s.Status?.Phase == ServicePhases.Ready, "Ready on its own claim", TimeSpan.FromSeconds(45));
        Assert.Equal((CacheVolumes.PerService, "ps-model-cache"), (ready!.Status!.ModelCache!.Volume, ready.Status.ModelCache.ClaimName));
        var owner = Assert.Single((await cluster.GetClaimAsync("rbac-ps", "ps-model-cache"))!.Metadata.OwnerReferences);
        Assert.Equal((ready.Metadata.Uid, true), (owner.Uid, owner.Controller == true));
    }

    private static Func<Task<V1Lease?>> ReadLeaseAsync(TestCluster cluster) => () =>
        NotFound.OrNullAsync(() => cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync("llmkube-operator-leader", HelmChart.ReleaseNamespace));

    private static List<string> Args(List<JsonObject> objects) =>
        objects.OfKind("Deployment", "llmkube-operator").Single()["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!).ToList();

    private static string Rbac(List<JsonObject> objects) =>
        string.Join("\n", objects.Where(o => ((string?)o["kind"])!.StartsWith("Role", StringComparison.Ordinal) || ((string?)o["kind"])!.StartsWith("ClusterRole", StringComparison.Ordinal)).Select(o => o.ToJsonString()));

    /// <summary>"group resource verb" for every combination a rule grants (resourceNames narrow a grant; they do not add one).</summary>
    private static IEnumerable<string> GrantKeys(JsonObject role) =>
        from rule in (role["rules"] as JsonArray ?? []).OfType<JsonObject>()
        from g in rule["apiGroups"]!.AsArray()
        from r in rule["resources"]!.AsArray()
        from v in rule["verbs"]!.AsArray()
        select Key((string)g!, (string)r!, (string)v!);

    private static string Key(string group, string resource, string verb) => $"{(group.Length == 0 ? "core" : group)} {resource} {verb}";

    private static string Describe(IEnumerable<RequestCount> entries) =>
        string.Join(", ", entries.Select(e => $"{e.Verb} {Key(e.Group, e.Subresource.Length > 0 ? $"{e.Resource}/{e.Subresource}" : e.Resource, "").TrimEnd()} in '{e.Namespace}' → {e.Code} ×{e.Count}"));

}
