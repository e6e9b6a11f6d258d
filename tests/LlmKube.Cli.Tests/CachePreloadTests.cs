using k8s;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

/// <summary><c>llmkube cache preload</c> (issue 17): the serving pod's fetcher, as a Job, on the right claim and key.</summary>
public class CachePreloadTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Source = "https://models.example.invalid/gamma/gamma.Q4_K_M.gguf";

    private static async Task ApplyModelAsync(ClusterFixture cluster, string ns, string name) =>
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Dictionary<string, object> { ["apiVersion"] = "inference.llmkube.dev/v1alpha1", ["kind"] = "Model", ["metadata"] = new Dictionary<string, object> { ["name"] = name }, ["spec"] = new Dictionary<string, object> { ["source"] = Source } },
            "inference.llmkube.dev", "v1alpha1", ns, "models");

    [Fact]
    public async Task Preload_on_a_user_claim_creates_a_job_whose_fetcher_targets_the_cache_key_on_that_claim()
    {
        var ns = await cluster.NamespaceAsync("preload");
        await cluster.CreateClaimAsync(ns, "mine");
        await ApplyModelAsync(cluster, ns, "gamma");

        var (code, stdout, stderr) = await cluster.CliAsync("cache", "preload", "gamma", "--claim", "mine", "-n", ns);

        Assert.True(code == 0, stdout + stderr);
        var job = Assert.Single((await cluster.Client.BatchV1.ListNamespacedJobAsync(ns)).Items);
        var pod = job.Spec.Template.Spec;
        Assert.Equal("mine", pod.Volumes.Single(v => v.PersistentVolumeClaim is not null).PersistentVolumeClaim.ClaimName);
        var fetcher = Assert.Single(pod.Containers);
        Assert.Equal($"/models/{CacheKeys.Compute(Source)}/gamma.Q4_K_M.gguf", fetcher.Env.Single(e => e.Name == LlmKube.Contracts.FetcherEnvironment.Dest).Value);
        Assert.Equal(Source, fetcher.Env.Single(e => e.Name == LlmKube.Contracts.FetcherEnvironment.Source).Value);
        Assert.Contains($"job {job.Metadata.Name}", stdout, StringComparison.Ordinal);
        Assert.Contains("claim mine", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preload_for_a_service_uses_the_claim_the_service_would_use_and_a_catalog_id_needs_no_model()
    {
        var ns = await cluster.NamespaceAsync("preload");
        var (code, stdout, stderr) = await cluster.CliAsync("cache", "preload", "phi-4-mini", "-n", ns);
        Assert.True(code == 0, stdout + stderr);
        var job = Assert.Single((await cluster.Client.BatchV1.ListNamespacedJobAsync(ns)).Items);
        Assert.Equal("llmkube-model-cache", job.Spec.Template.Spec.Volumes.Single(v => v.PersistentVolumeClaim is not null).PersistentVolumeClaim.ClaimName);
        Assert.NotNull(await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("llmkube-model-cache", ns)); // the shared claim, created as the operator would

        var missing = await cluster.CliAsync("cache", "preload", "nope", "-n", ns);
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no Model nope", missing.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>Every reader of the plan knows the provisioned claim (issue 17, item 5).</summary>
public class ProvisionedClaimReaderTests
{
    [Fact]
    public void Cache_list_marks_a_claim_provisioned_for_one_service()
    {
        var service = new LlmKube.Api.Services.InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "ns", Generation = 1 },
            Spec = new LlmKube.Api.Services.InferenceServiceSpec { ModelRef = "m", ModelCache = new() { StorageClassName = "fast-local", Size = "200Gi" } },
        };
        var plan = LlmKube.Core.Cache.ModelCacheDecision.Decide(
            new LlmKube.Api.Models.Model { Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns" }, Spec = new() { Source = "https://x.example/m.gguf" }, Status = new() { CacheKey = "0123456789abcdef" } },
            service, new LlmKube.Core.WorkloadSettings());
        var claim = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "svc-model-cache", OwnerReferences = [new V1OwnerReference { Kind = "InferenceService", Name = "svc", ApiVersion = "inference.llmkube.dev/v1alpha1", Uid = "u" }] },
        };
        var usage = new LlmKube.Cli.CacheJobs.ClaimUsage("ns", "svc-model-cache", claim);
        usage.Services.Add(new LlmKube.Cli.CacheJobs.ServiceUse(service, new LlmKube.Cli.Wiring.ServiceWiring(plan, true, null)));

        Assert.Equal("provisioned", usage.Kind);
        Assert.Contains("provisioned claim svc-model-cache (storage class fast-local, 200Gi, ReadWriteOnce", plan.Describe(), StringComparison.Ordinal);
    }
}
