using System.Text.Json.Nodes;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.CacheJobs;
using LlmKube.Cli.Cluster;
using LlmKube.Cli.Output;
using LlmKube.Cli.Wiring;
using LlmKube.Core;
using LlmKube.Core.Configuration;

namespace LlmKube.Cli.Tests;

public class OutputAndWiringTests
{
    private const string Source = "https://models.example.invalid/w/model.gguf";

    private static (Model, InferenceService) Pair(string? claim = null) => (
        new Model { Metadata = new V1ObjectMeta { Name = "m", NamespaceProperty = "ns", Generation = 1 }, Spec = new ModelSpec { Source = Source } },
        new InferenceService
        {
            Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "ns", Generation = 1, Uid = "u-1" },
            Spec = new InferenceServiceSpec { ModelRef = "m", ModelCache = claim is null ? null : new ModelCacheSpec { ClaimName = claim } },
        });

    private static OperatorConfig Published(string mode, bool enabled = true)
    {
        var published = new PublishedConfiguration(new WorkloadSettings { ModelCacheMode = mode, ModelCacheEnabled = enabled }, "1.2.3", null);
        return new OperatorConfig("llmkube-system", published.ToData(), published, null);
    }

    private static readonly OperatorConfig UnknownConfig = OperatorConfig.Unreadable("no ConfigMap llmkube-operator-config in namespace llmkube-system");

    [Fact]
    public void Wiring_before_the_operator_reports_is_computed_with_the_operators_decision_key_and_published_configuration()
    {
        var (model, service) = Pair();

        var assumed = ServiceWiring.Resolve(service, model, UnknownConfig);
        var shared = ServiceWiring.Resolve(service, model, Published(CacheModes.Shared));
        var perService = ServiceWiring.Resolve(service, model, Published(CacheModes.PerService));
        var disabled = ServiceWiring.Resolve(Pair("mine").Item2, model, Published(CacheModes.PerService, enabled: false));
        var user = ServiceWiring.Resolve(Pair("mine").Item2, model, Published(CacheModes.PerService));

        Assert.False(shared.Reported);
        Assert.Equal((CacheVolumes.Shared, "llmkube-model-cache", CacheKeys.Compute(Source), $"/models/{CacheKeys.Compute(Source)}/model.gguf"), (shared.Volume, shared.ClaimName, shared.CacheKey, shared.ModelPath));
        Assert.Equal((CacheVolumes.Shared, "llmkube-model-cache"), (assumed.Volume, assumed.ClaimName));
        Assert.Equal((CacheVolumes.PerService, "s-model-cache"), (perService.Volume, perService.ClaimName));
        Assert.Equal((CacheVolumes.Ephemeral, null), (disabled.Volume, disabled.ClaimName));
        Assert.Equal((CacheVolumes.UserClaim, "mine"), (user.Volume, user.ClaimName));
        Assert.Contains("assuming shared cache mode", assumed.Note, StringComparison.Ordinal);
        Assert.Contains("perService cache mode, published in llmkube-system/llmkube-operator-config", perService.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Wiring_reported_for_the_current_generation_wins_and_a_stale_one_is_recomputed()
    {
        var (model, service) = Pair("mine");
        service.Status = new InferenceServiceStatus { ObservedGeneration = 1, ModelCache = new ModelCacheStatus { Volume = CacheVolumes.Shared, ClaimName = "llmkube-model-cache", CacheKey = "k" } };

        var current = ServiceWiring.Resolve(service, model, UnknownConfig);
        service.Metadata.Generation = 2;
        var stale = ServiceWiring.Resolve(service, model, UnknownConfig);

        Assert.True(current.Reported);
        Assert.Equal("llmkube-model-cache", current.ClaimName);
        Assert.False(stale.Reported);
        Assert.Equal("mine", stale.ClaimName);
    }

    [Fact]
    public void Yaml_output_quotes_what_yaml_would_misread_and_keeps_kubectls_layout()
    {
        var document = new JsonObject
        {
            ["plain"] = "hello world",
            ["number"] = 42,
            ["numeric"] = "42",
            ["bool"] = true,
            ["boolish"] = "yes",
            ["empty"] = "",
            ["colon"] = "a: b",
            ["nothing"] = null,
            ["list"] = new JsonArray(new JsonObject { ["a"] = 1, ["b"] = "x" }, "zed"),
            ["nested"] = new JsonObject { ["inner"] = new JsonArray() },
        };

        var yaml = LlmKube.Admission.Json.YamlJson.Write(document);

        Assert.Equal(
            "plain: hello world\nnumber: 42\nnumeric: \"42\"\nbool: true\nboolish: \"yes\"\nempty: \"\"\ncolon: \"a: b\"\nnothing: null\n" +
            "list:\n- a: 1\n  b: x\n- zed\nnested:\n  inner: []\n", yaml);
        var reread = k8s.KubernetesYaml.Deserialize<Dictionary<string, object>>(yaml);
        Assert.Equal("42", reread["numeric"]);
    }

    [Fact]
    public void Plain_tables_align_columns_without_trailing_spaces()
    {
        var table = new TextTable("NAME", "PHASE", "AGE");
        table.Add("a", new Cell("Ready", Tone.Good), "5s");
        table.Add("longer-name", "-", "");

        Assert.Equal("NAME          PHASE   AGE\na             Ready   5s\nlonger-name   -\n", table.Plain());
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("500ms", 0.5)]
    public void Durations_read_like_kubectl(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Durations.Parse(text, "--timeout"));

    [Fact]
    public void Bad_durations_are_usage_errors() =>
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => Durations.Parse("soon", "--timeout")).ExitCode);

    [Fact]
    public void Fetcher_failure_lines_and_unreadable_reports_become_one_readable_reason()
    {
        var failure = Assert.Throws<CacheReportException>(() => CacheReports.ParseListing("reason=InvalidArguments message=cache-ls: /models is not a directory"));
        var garbage = Assert.Throws<CacheReportException>(() => CacheReports.ParseListing("llmkube-fetch: not built yet"));

        Assert.Equal("InvalidArguments: cache-ls: /models is not a directory", failure.Message);
        Assert.Contains("is --fetcher-image a llmkube-fetch with cache-ls?", garbage.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cache_job_never_sets_an_fs_group_and_pins_to_the_node_of_a_running_user()
    {
        var job = CacheJobSpec.Build(new CacheJobRequest("ns", "mine", CacheOperation.Remove, ["0123456789abcdef"], "img", TimeSpan.FromSeconds(60),
            new CachePlacement("node-7", [new V1Toleration { Key = "nvidia.com/gpu", OperatorProperty = "Exists" }], 1000)));
        var pod = job.Spec.Template.Spec;

        Assert.Null(pod.SecurityContext.FsGroup);
        Assert.Equal([1000L], pod.SecurityContext.SupplementalGroups);
        Assert.Equal(65532, pod.SecurityContext.RunAsUser);
        Assert.Equal("node-7", pod.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchFields.Single().Values.Single());
        Assert.Equal("nvidia.com/gpu", pod.Tolerations.Single().Key);
        Assert.Equal(["cache-rm", "/models", "0123456789abcdef"], pod.Containers.Single().Args);
        Assert.Equal(90, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.False(pod.AutomountServiceAccountToken);
    }
}
