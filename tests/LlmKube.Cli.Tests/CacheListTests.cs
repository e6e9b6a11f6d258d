using System.Text.Json.Nodes;
using k8s;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class CacheListTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Cache_list_shows_the_shared_and_the_users_claim_with_services_models_keys_and_real_sizes()
    {
        var s = await CacheScenario.CreateAsync(cluster, "cachels");
        var userClaimBefore = await s.ClaimSnapshotAsync(CacheScenario.UserClaim);
        string Size(string dir, string? key = null) => System.Text.RegularExpressions.Regex.Escape(CacheScenario.Size(key is null ? dir : Path.Combine(dir, key)));

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "list", "-n", s.Namespace);

        Assert.True(code == 0, stdout + stderr);
        Assert.Matches(@"CLAIMS\nCLAIM\s+KIND\s+STATUS\s+CAPACITY\s+USED\s+SERVICES\n", stdout);
        Assert.Matches($@"\nllmkube-model-cache\s+shared\s+Bound\s+100Gi\s+{Size(s.SharedDir)}\s+alpha\n", stdout);
        Assert.Matches($@"\nmine\s+yours\s+Bound\s+20Gi\s+{Size(s.UserDir)}\s+beta\n", stdout);
        Assert.Matches($@"\nllmkube-model-cache\s+{CacheScenario.KeyA}\s+in use\s+{Size(s.SharedDir, CacheScenario.KeyA)}\s+alpha\s+alpha\n", stdout);
        Assert.Matches($@"\nllmkube-model-cache\s+{CacheScenario.OrphanKey}\s+orphaned\s+{Size(s.SharedDir, CacheScenario.OrphanKey)}\s+-\s+-\n", stdout);
        Assert.Matches($@"\nmine\s+{CacheScenario.KeyB}\s+in use\s+{Size(s.UserDir, CacheScenario.KeyB)}\s+beta\s+beta\n", stdout);
        var total = Api.Cache.ByteSize.Format(CacheScenario.Bytes(s.SharedDir) + CacheScenario.Bytes(s.UserDir));
        Assert.Contains($"Total: 3 entries on 2 claims (2 in use, 1 orphaned); 2 of 2 claims read, {total} used on them", stdout, StringComparison.Ordinal);

        // One read-only Job per claim, with the contract's labels, non-root, never an fsGroup; all deleted afterwards.
        Assert.Equal(2, s.Runs.Count);
        foreach (var run in s.Runs)
        {
            var pod = run.Job.Spec.Template.Spec;
            Assert.Equal(["cache-ls", "/models"], run.Args);
            Assert.True(pod.Containers.Single().VolumeMounts.Single().ReadOnlyProperty);
            Assert.True(pod.Volumes.Single().PersistentVolumeClaim.ReadOnlyProperty);
            Assert.Equal("llmkube-cli", run.Job.Metadata.Labels["app.kubernetes.io/managed-by"]);
            Assert.Equal("cache-job", run.Job.Metadata.Labels["app.kubernetes.io/component"]);
            Assert.True(pod.SecurityContext.RunAsNonRoot);
            Assert.Null(pod.SecurityContext.FsGroup);
            Assert.Equal([102L], pod.SecurityContext.SupplementalGroups);
            Assert.Equal(["ALL"], pod.Containers.Single().SecurityContext.Capabilities.Drop);
            Assert.Equal("ghcr.io/llmkube/llmkube-fetch:" + LlmKube.Api.ProductVersion.Current, pod.Containers.Single().Image);
            Assert.NotNull(run.Job.Spec.ActiveDeadlineSeconds);
            Assert.NotNull(run.Job.Spec.TtlSecondsAfterFinished);
            Assert.True(run.Message.Length <= 4096);
        }

        await s.AssertNoJobsLeftAsync();
        Assert.Equal(userClaimBefore, await s.ClaimSnapshotAsync(CacheScenario.UserClaim));
    }

    [Fact]
    public async Task Cache_list_orphaned_json_all_namespaces_and_no_read()
    {
        var s = await CacheScenario.CreateAsync(cluster, "cachels");

        var (orphanedCode, orphaned, _) = await cluster.CliAsync("cache", "ls", "-n", s.Namespace, "--orphaned");
        var (jsonCode, json, _) = await cluster.CliAsync("cache", "list", "-n", s.Namespace, "-o", "json");
        var (allCode, all, _) = await cluster.CliAsync("cache", "list", "-A", "--no-read");
        var jobsBefore = s.Jobs.Count;
        var (noReadCode, noRead, _) = await cluster.CliAsync("cache", "list", "-n", s.Namespace, "--no-read");

        Assert.Equal(0, orphanedCode);
        Assert.DoesNotContain("CLAIMS", orphaned, StringComparison.Ordinal);
        Assert.Contains(CacheScenario.OrphanKey, orphaned, StringComparison.Ordinal);
        Assert.DoesNotContain(CacheScenario.KeyA, orphaned, StringComparison.Ordinal);

        Assert.Equal(0, jsonCode);
        var claims = JsonNode.Parse(json)!["claims"]!.AsArray();
        var shared = claims.Single(c => (string)c!["name"]! == "llmkube-model-cache")!;
        Assert.Equal("shared", (string)shared["kind"]!);
        Assert.True((bool)shared["read"]!);
        Assert.Equal(CacheScenario.Bytes(s.SharedDir), (long)shared["bytes"]!);
        Assert.Equal("lost+found", (string)shared["other"]![0]!["name"]!);
        var alpha = shared["entries"]!.AsArray().Single(e => (string)e!["key"]! == CacheScenario.KeyA)!;
        Assert.Equal("in use", (string)alpha["status"]!);
        Assert.Equal(CacheScenario.SourceA, (string)alpha["files"]![0]!["source"]!);
        Assert.Equal(new string('e', 64), (string)alpha["files"]![0]!["sha256"]!);
        Assert.Equal("yours", (string)claims.Single(c => (string)c!["name"]! == "mine")!["kind"]!);

        Assert.Equal(0, allCode);
        Assert.Matches($@"\n{s.Namespace}\s+mine\s+yours\s+Bound\s+20Gi\s+unknown\s+beta\n", all);

        Assert.Equal(0, noReadCode);
        Assert.Equal(jobsBefore, s.Jobs.Count);
        Assert.Contains($"contents unknown: {s.Namespace}/mine: not read (--no-read)", noRead, StringComparison.Ordinal);
        Assert.Matches($@"\nmine\s+{CacheScenario.KeyB}\s+in use\s+unknown\s+beta\s+beta\n", noRead);
    }

    [Fact]
    public async Task Cache_list_says_sizes_are_unknown_and_why_when_the_job_never_runs_and_exits_4()
    {
        var s = await CacheScenario.CreateAsync(cluster, "cachels");
        cluster.Kubelet.Stalled = true;
        try
        {
            var (code, stdout, stderr) = await cluster.CliAsync("cache", "list", "-n", s.Namespace, "--timeout", "1s");

            Assert.True(code == 4, stdout + stderr);
            Assert.Matches(@"\nmine\s+yours\s+Bound\s+20Gi\s+unknown\s+beta\n", stdout);
            Assert.Matches($@"contents unknown: {s.Namespace}/mine: the cache Job llmkube-cache-ls-\w+ could not read it: it did not finish within 1s: no pod was created for it", stdout);
            Assert.Contains("0 of 2 claims read", stdout, StringComparison.Ordinal);
        }
        finally
        {
            cluster.Kubelet.Stalled = false;
        }

        await s.AssertNoJobsLeftAsync();
    }

    [Fact]
    public async Task Cache_list_shows_pending_and_missing_claims_without_mounting_them()
    {
        var s = await CacheScenario.CreateAsync(cluster, "cachels");
        await cluster.CreateClaimAsync(s.Namespace, "spare-model-cache", new Dictionary<string, string> { ["app.kubernetes.io/component"] = "model-cache" });
        cluster.Server.Control.UnbindClaim(s.Namespace, "spare-model-cache");
        await cluster.CliAsync("deploy", "lost", "-s", CacheScenario.SourceA + "?x", "--cache-claim", "gone", "-n", s.Namespace);

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "list", "-n", s.Namespace);

        Assert.True(code == 0, stdout + stderr);
        Assert.Matches(@"\nspare-model-cache\s+cache\s+Pending\s+20Gi\s+unknown\s+-\n", stdout);
        Assert.Matches(@"\ngone\s+yours\s+Missing\s+-\s+unknown\s+lost\n", stdout);
        Assert.Contains($"contents unknown: {s.Namespace}/spare-model-cache: claim is Pending (not bound yet)", stdout, StringComparison.Ordinal);
        Assert.Contains($"contents unknown: {s.Namespace}/gone: claim gone does not exist in namespace {s.Namespace}", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Jobs, j => j.Spec.Template.Spec.Volumes.Single().PersistentVolumeClaim.ClaimName is "spare-model-cache" or "gone");
    }

    [Fact]
    public async Task The_job_runs_on_the_node_of_a_running_pod_that_mounts_the_claim_as_the_cache_group()
    {
        var ns = await cluster.NamespaceAsync("placement");
        await cluster.CreateClaimAsync(ns, "gpu-cache");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Models.Model
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "m", NamespaceProperty = ns },
            Spec = new Api.Models.ModelSpec { Source = CacheScenario.SourceA },
        }, Api.ApiGroup.Group, Api.ApiGroup.Version, ns, Api.Models.Model.Plural);
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Services.InferenceService
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "gpu", NamespaceProperty = ns },
            Spec = new Api.Services.InferenceServiceSpec
            {
                ModelRef = "m",
                ModelCache = new Api.Services.ModelCacheSpec { ClaimName = "gpu-cache" },
                PodSecurityContext = new k8s.Models.V1PodSecurityContext { FsGroup = 2000 },
            },
        }, Api.ApiGroup.Group, Api.ApiGroup.Version, ns, Api.Services.InferenceService.Plural);
        await cluster.WaitForReadyAsync(ns, "gpu");
        var pod = await cluster.Client.CoreV1.CreateNamespacedPodAsync(new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "gpu-abc", Labels = new Dictionary<string, string> { ["inference.llmkube.dev/service"] = "gpu" } },
            Spec = new k8s.Models.V1PodSpec
            {
                NodeName = "gpu-node-1",
                Tolerations = [new k8s.Models.V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists", Effect = "NoSchedule" }],
                SecurityContext = new k8s.Models.V1PodSecurityContext { FsGroup = 2000 },
                Containers = [new k8s.Models.V1Container { Name = "server", Image = "llama" }],
                Volumes = [new k8s.Models.V1Volume { Name = "model-cache", PersistentVolumeClaim = new k8s.Models.V1PersistentVolumeClaimVolumeSource { ClaimName = "gpu-cache" } }],
            },
        }, ns);
        pod.Status = new k8s.Models.V1PodStatus { Phase = "Running" };
        await cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "gpu-abc", ns);

        var (code, _, stderr) = await cluster.CliAsync("cache", "inspect", "gpu-cache", "-n", ns);

        Assert.True(code == 0, stderr);
        var job = cluster.Kubelet.Jobs.Single(j => j.Metadata.NamespaceProperty == ns).Spec.Template.Spec;
        Assert.Equal("gpu-node-1", job.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchFields.Single().Values.Single());
        Assert.Equal("nvidia.com/gpu", job.Tolerations.Single().Key);
        Assert.Equal([2000L], job.SecurityContext.SupplementalGroups);
        Assert.Null(job.SecurityContext.FsGroup);
    }

    [Fact]
    public async Task Cache_list_tells_where_a_model_no_service_uses_would_go()
    {
        var ns = await cluster.NamespaceAsync("cachels");
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Models.Model
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "idle", NamespaceProperty = ns },
            Spec = new Api.Models.ModelSpec { Source = CacheScenario.SourceA },
        }, Api.ApiGroup.Group, Api.ApiGroup.Version, ns, Api.Models.Model.Plural);

        var (code, stdout, _) = await cluster.CliAsync("cache", "list", "-n", ns);

        Assert.Equal(0, code);
        Assert.Contains($"No model-cache claims found in namespace {ns}.", stdout, StringComparison.Ordinal);
        Assert.Contains($"on no claim: model {ns}/idle (key {CacheScenario.KeyA}): no service uses it", stdout, StringComparison.Ordinal);
    }
}
