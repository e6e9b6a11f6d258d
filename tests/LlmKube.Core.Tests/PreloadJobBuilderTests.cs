using LlmKube.Contracts;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class PreloadJobBuilderTests
{
    [Fact]
    public void A_preload_fills_the_users_claim_at_the_cache_key_with_the_services_own_fetcher_containers()
    {
        var service = Service(s => s.ModelCache = new() { ClaimName = "mine" });
        var plan = ModelCacheDecision.Decide(Model(), service, Options());
        var state = State(service: service);

        var job = PreloadJobBuilder.Build(Model(), service, Options(), plan);

        var pod = job.Spec.Template.Spec;
        Assert.Equal("Never", pod.RestartPolicy);
        Assert.Equal("mine", pod.Volumes.Single(v => v.Name == PodStorage.CacheVolume).PersistentVolumeClaim.ClaimName);
        Assert.Equal([FetcherContainers.PrepName], pod.InitContainers.Select(c => c.Name));
        var fetcher = Assert.Single(pod.Containers);
        Assert.Equal(FetcherContainers.DownloaderName, fetcher.Name);
        Assert.Equal($"/models/{Key()}/tiny-Q4_K_M.gguf", Env(fetcher, FetcherEnvironment.Dest));
        // The very containers and pod security a serving pod gets, so the lock and the entry are the same.
        Assert.Equal(KubernetesJson(Init(state, FetcherContainers.DownloaderName)), KubernetesJson(fetcher));
        Assert.Equal(KubernetesJson(Pod(state).SecurityContext), KubernetesJson(pod.SecurityContext));
        Assert.Equal("mine", job.Metadata.Annotations[PreloadJobBuilder.ClaimAnnotation]);
        Assert.Equal(Key(), job.Metadata.Annotations[PreloadJobBuilder.CacheKeyAnnotation]);
        Assert.Equal(Namespace, job.Metadata.NamespaceProperty);
    }

    [Fact]
    public void Only_a_plan_on_a_cache_claim_can_be_preloaded()
    {
        var service = Service(s => s.ModelCache = new() { Persistence = "Ephemeral" });
        var plan = ModelCacheDecision.Decide(Model(), service, Options());

        var error = Assert.Throws<ArgumentException>(() => PreloadJobBuilder.Build(Model(), service, Options(), plan));
        Assert.Contains("emptyDir", error.Message, StringComparison.Ordinal);
    }

    private static string KubernetesJson(object value) => k8s.KubernetesJson.Serialize(value);
}
