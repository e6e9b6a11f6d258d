using EndToEnd.Tests.Support;
using k8s;
using k8s.Models;
using LlmKube.Api;

namespace EndToEnd.Tests;

[Collection(SharedOperatorCollection.Name)]
public sealed class ModelScenarios(SharedOperatorFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_remote_source_gets_a_size_a_baseline_and_then_a_drift_report()
    {
        using var source = new TinyHttpSource { Length = 4_939 };
        var ns = "drift-" + Guid.NewGuid().ToString("N")[..8];
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("m", source.Url("m.gguf")), ns);

        var baseline = await TestCluster.EventuallyAsync(() => Cluster.GetModelAsync(ns, "m"), m => m?.Status?.SourceETag == "v1", "baseline recorded");
        Assert.Equal(ModelPhases.Ready, baseline!.Status!.Phase);
        Assert.Equal(LlmKube.Api.Cache.CacheKeys.Compute(source.Url("m.gguf")), baseline.Status.CacheKey);
        Assert.Equal("4.8 KiB", baseline.Status.Size);
        Assert.Equal(("False", Reasons.InSync), Condition(baseline, ConditionTypes.SourceDrifted));

        source.ETag = "\"v2\"";
        var drifted = await TestCluster.EventuallyAsync(() => Cluster.GetModelAsync(ns, "m"), m => Condition(m!, ConditionTypes.SourceDrifted).Status == "True", "SourceDrifted=True", TimeSpan.FromSeconds(20));
        Assert.Equal(Reasons.UpstreamChanged, Condition(drifted!, ConditionTypes.SourceDrifted).Reason);
        Assert.Equal("v1", drifted!.Status!.SourceETag);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "m"), e => e.Any(x => x.Reason == Reasons.UpstreamChanged), "UpstreamChanged event");
    }

    [Fact]
    public async Task A_failed_fetcher_init_container_is_diagnosed_on_the_service()
    {
        var ns = "transfer-" + Guid.NewGuid().ToString("N")[..8];
        await Cluster.CreateNamespaceAsync(ns);
        await Cluster.ApplyAsync(Manifests.Model("m") + Manifests.Service("svc", "m", "  modelCache: {persistence: Ephemeral}"), ns);
        await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Ready, "Ready");

        var pod = await Cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "svc-abc", Labels = new Dictionary<string, string> { ["app"] = "svc", ["inference.llmkube.dev/service"] = "svc" } },
            Spec = new V1PodSpec { NodeName = "gpu-1", Containers = [new V1Container { Name = "llama-server", Image = "x" }] },
        }, ns);
        pod.Status = new V1PodStatus
        {
            Phase = "Pending",
            InitContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "model-downloader", Image = "f", ImageID = "f", Ready = false, RestartCount = 1,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 3, Message = "reason=SourceNotFound message=HTTP 404 from https://example.invalid/models/tiny.gguf" } },
                },
            ],
        };
        await Cluster.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "svc-abc", ns);

        var diagnosed = await Cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Conditions?.Any(c => c.Type == ConditionTypes.ModelTransferHealthy && c.Status == "False") == true, "ModelTransferHealthy=False");
        var condition = diagnosed!.Status!.Conditions!.Single(c => c.Type == ConditionTypes.ModelTransferHealthy);
        Assert.Equal("SourceNotFound", condition.Reason);
        Assert.Contains("gpu-1", condition.Message, StringComparison.Ordinal);
        await TestCluster.EventuallyAsync(() => Cluster.EventsAsync(ns, "svc"), e => e.Any(x => x.Reason == "ModelSourceNotFound"), "ModelSourceNotFound event");
    }

    private static (string Status, string Reason) Condition(LlmKube.Api.Models.Model model, string type) =>
        model.Status?.Conditions?.FirstOrDefault(c => c.Type == type) is { } c ? (c.Status, c.Reason) : ("", "");
}
