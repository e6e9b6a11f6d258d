using k8s;
using LlmKube.Api;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class ScaleAndDeleteTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Source = "https://models.example.invalid/scale/model.gguf";

    [Fact]
    public async Task Scale_sets_replicas_and_the_operator_stops_the_service()
    {
        var ns = await cluster.NamespaceAsync("scale");
        await cluster.CliAsync("deploy", "svc", "-s", Source, "-n", ns, "--wait", "--timeout", "30s");

        var (code, stdout, stderr) = await cluster.CliAsync("scale", "svc", "-r", "0", "-n", ns);

        Assert.True(code == 0, stderr);
        Assert.Equal($"inferenceservice {ns}/svc scaled from 1 to 0 replicas\n", stdout);
        var service = await cluster.WaitForServiceAsync(ns, "svc", s => s.Status?.Phase == ServicePhases.Stopped, "Stopped");
        Assert.Equal(0, service.Spec.Replicas);
    }

    [Fact]
    public async Task Scale_refuses_unknown_names_and_out_of_range_counts()
    {
        var ns = await cluster.NamespaceAsync("scale");

        var (unknown, _, unknownErr) = await cluster.CliAsync("scale", "ghost", "-r", "1", "-n", ns);
        var (range, _, rangeErr) = await cluster.CliAsync("scale", "ghost", "--replicas", "11", "-n", ns);
        var (missing, _, missingErr) = await cluster.CliAsync("scale", "ghost", "-n", ns);

        Assert.Equal(3, unknown);
        Assert.Equal($"error: no inferenceservice ghost in namespace {ns}: see llmkube list -n {ns}\n", unknownErr);
        Assert.Equal(2, range);
        Assert.Contains("error: --replicas 11: must be between 0 and 10", rangeErr, StringComparison.Ordinal);
        Assert.Equal(2, missing);
        Assert.Contains("--replicas", missingErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_removes_the_service_then_the_model_and_never_the_shared_claim()
    {
        var ns = await cluster.NamespaceAsync("delete");
        await cluster.CliAsync("deploy", "gone", "-s", Source, "-n", ns, "--wait", "--timeout", "30s");

        var (code, stdout, stderr) = await cluster.CliAsync("delete", "gone", "-n", ns);

        Assert.True(code == 0, stderr);
        Assert.Equal($"inferenceservice {ns}/gone deleted\nmodel {ns}/gone deleted\n", stdout);
        Assert.Null(await cluster.MaybeServiceAsync(ns, "gone"));
        Assert.Null(await cluster.MaybeModelAsync(ns, "gone"));
        Assert.NotNull(await cluster.Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("llmkube-model-cache", ns));
    }

    [Fact]
    public async Task Delete_keeps_a_model_other_services_still_use_and_says_so()
    {
        var ns = await cluster.NamespaceAsync("delete");
        await cluster.CliAsync("deploy", "base", "-s", Source, "-n", ns);
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(new Api.Services.InferenceService
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "second", NamespaceProperty = ns },
            Spec = new Api.Services.InferenceServiceSpec { ModelRef = "base" },
        }, ApiGroup.Group, ApiGroup.Version, ns, Api.Services.InferenceService.Plural);

        var (code, stdout, _) = await cluster.CliAsync("rm", "base", "-n", ns);

        Assert.Equal(0, code);
        Assert.Contains($"model {ns}/base kept: still used by second", stdout, StringComparison.Ordinal);
        Assert.NotNull(await cluster.MaybeModelAsync(ns, "base"));
        Assert.Null(await cluster.MaybeServiceAsync(ns, "base"));
    }

    [Fact]
    public async Task Delete_of_an_unknown_name_is_exit_3()
    {
        var ns = await cluster.NamespaceAsync("delete");

        var (code, _, stderr) = await cluster.CliAsync("delete", "ghost", "-n", ns, "-o", "json");

        Assert.Equal(3, code);
        Assert.StartsWith("error: no inferenceservice or model named ghost", stderr, StringComparison.Ordinal);
    }
}
