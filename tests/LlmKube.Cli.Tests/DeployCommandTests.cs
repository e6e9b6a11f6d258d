using System.Text.Json.Nodes;
using k8s;
using LlmKube.Api.Cache;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

public class DeployCommandTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Source = "https://models.example.invalid/tiny/tinyllama-1.1b.Q4_K_M.gguf";

    [Fact]
    public async Task Deploy_wait_creates_both_objects_follows_progress_and_reports_the_cache_wiring()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, stdout, stderr) = await cluster.CliAsync("deploy", "tiny", "--source", Source, "-n", ns, "--wait", "--timeout", "30s");

        Assert.True(code == 0, stdout + stderr);
        Assert.Contains($"model {ns}/tiny created", stdout, StringComparison.Ordinal);
        Assert.Contains($"inferenceservice {ns}/tiny created (1 replica)", stdout, StringComparison.Ordinal);
        Assert.Contains($"inferenceservice {ns}/tiny is Ready (1/1 replicas ready)", stdout, StringComparison.Ordinal);
        Assert.Contains($"cache:    shared claim llmkube-model-cache, key {CacheKeys.Compute(Source)}, model /models/{CacheKeys.Compute(Source)}/tinyllama-1.1b.Q4_K_M.gguf", stdout, StringComparison.Ordinal);
        Assert.Matches(@"\[\s*[0-9.]+m?s\] model .*, service .*", stderr);
        var service = await cluster.ServiceAsync(ns, "tiny");
        Assert.Null(service.Spec.Image);
        Assert.Equal("tiny", service.Spec.ModelRef);
        Assert.NotNull(await cluster.MaybeModelAsync(ns, "tiny"));
    }

    [Fact]
    public async Task Deploy_flags_become_the_spec_and_json_output_is_the_created_objects()
    {
        var ns = await cluster.NamespaceAsync("deploy");
        var sha = new string('a', 64);

        var (code, stdout, stderr) = await cluster.CliAsync("deploy", "big", "-s", Source, "--sha256", sha, "-r", "2", "--gpu-count", "2", "--context", "8192", "-n", ns, "-o", "json");

        Assert.True(code == 0, stderr);
        var items = JsonNode.Parse(stdout)!["items"]!.AsArray();
        Assert.Equal(["Model", "InferenceService"], items.Select(i => (string)i!["kind"]!));
        var model = items[0]!["spec"]!;
        Assert.Equal(sha, (string)model["sha256"]!);
        Assert.True((bool)model["hardware"]!["gpu"]!["enabled"]!);
        Assert.Equal(2, (int)model["hardware"]!["gpu"]!["count"]!);
        var service = items[1]!["spec"]!;
        Assert.Equal(2, (int)service["replicas"]!);
        Assert.Equal(8192, (int)service["contextSize"]!);
        Assert.Equal(2, (int)service["resources"]!["gpu"]!);
        Assert.Null(service["image"]);
    }

    [Fact]
    public async Task Deploy_ephemeral_and_cache_claim_set_the_model_cache_fields()
    {
        var ns = await cluster.NamespaceAsync("deploy");
        await cluster.CreateClaimAsync(ns, "mine");

        var (ephemeralCode, ephemeral, _) = await cluster.CliAsync("deploy", "eph", "-s", Source, "--ephemeral", "-n", ns, "-o", "yaml", "--wait", "--timeout", "30s");
        var (claimCode, _, claimErr) = await cluster.CliAsync("deploy", "own", "-s", Source, "--cache-claim", "mine", "-n", ns, "--wait", "--timeout", "30s");

        Assert.Equal(0, ephemeralCode);
        Assert.Contains("persistence: Ephemeral", ephemeral, StringComparison.Ordinal);
        Assert.Contains("volume: ephemeral", ephemeral, StringComparison.Ordinal);
        Assert.True(claimCode == 0, claimErr);
        var own = await cluster.ServiceAsync(ns, "own");
        Assert.Equal("mine", own.Spec.ModelCache!.ClaimName);
        Assert.Equal("claim", own.Status!.ModelCache!.Volume);
    }

    [Fact]
    public async Task Deploy_with_a_missing_claim_warns_then_fails_with_the_degraded_message()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "lost", "-s", Source, "--cache-claim", "nowhere", "-n", ns, "--wait", "--timeout", "30s");

        Assert.Equal(1, code);
        Assert.Contains($"warning: PersistentVolumeClaim nowhere does not exist in namespace {ns}", stderr, StringComparison.Ordinal);
        Assert.Contains($"error: inferenceservice {ns}/lost failed: ModelCachePVCNotFound:", stderr, StringComparison.Ordinal);
        Assert.Contains("nowhere", stderr.Split('\n').Single(l => l.StartsWith("error:", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_wait_times_out_with_exit_4_while_the_claim_stays_pending()
    {
        var ns = await cluster.NamespaceAsync("deploy");
        await cluster.CreateClaimAsync(ns, "slow");
        cluster.Server.Control.UnbindClaim(ns, "slow");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "waits", "-s", Source, "--cache-claim", "slow", "-n", ns, "--wait", "--timeout", "2s");

        Assert.Equal(4, code);
        Assert.Contains($"error: inferenceservice {ns}/waits not Ready after 2s", stderr, StringComparison.Ordinal);
        Assert.True(stderr.Contains("cache ClaimPending", StringComparison.Ordinal), stderr);
    }

    [Fact]
    public async Task Deploy_refuses_cache_claim_with_ephemeral_naming_both_flags_and_creates_nothing()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "both", "-s", Source, "--cache-claim", "mine", "--ephemeral", "-n", ns);

        Assert.Equal(2, code);
        Assert.Contains("error: --cache-claim and --ephemeral cannot be used together", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Null(await cluster.MaybeModelAsync(ns, "both"));
        Assert.Null(await cluster.MaybeServiceAsync(ns, "both"));
    }

    [Theory]
    [InlineData("--sha256", "not-a-digest", "spec.sha256")]
    [InlineData("--cache-claim", "Not_A_Name", "spec.modelCache.claimName")]
    [InlineData("--replicas", "11", "spec.replicas")]
    public async Task Deploy_validates_like_the_api_server_before_creating_anything(string flag, string value, string field)
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "bad", "-s", Source, flag, value, "-n", ns);

        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
        Assert.Contains(field, stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was created", stderr, StringComparison.Ordinal);
        Assert.Null(await cluster.MaybeModelAsync(ns, "bad"));
    }

    [Fact]
    public async Task Deploy_refuses_a_name_that_cannot_name_a_service_before_creating_anything()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "8b-llama", "-s", Source, "-n", ns);

        Assert.Equal(2, code);
        Assert.Contains("inferenceservice 8b-llama would be rejected", stderr, StringComparison.Ordinal);
        Assert.Contains("metadata.name must start with a lowercase letter", stderr, StringComparison.Ordinal);
        Assert.Contains("Rename it, e.g. llama-8b", stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was created", stderr, StringComparison.Ordinal);
        Assert.Null(await cluster.MaybeModelAsync(ns, "8b-llama"));
        Assert.Null(await cluster.MaybeServiceAsync(ns, "8b-llama"));
    }

    [Fact]
    public async Task Deploy_wait_without_an_operator_says_none_has_reported_and_how_to_check()
    {
        await using var server = await Sandbox.SandboxServer.StartAsync(new Sandbox.SandboxOptions());
        var kubeconfig = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"llmkube-nooperator-{Guid.NewGuid():N}.kubeconfig"));
        using (var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig)))
        {
            foreach (var crd in Api.Schema.CrdDefinitions.All())
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            }
        }

        var (code, _, stderr) = await CliRunner.RunAsync("deploy", "alone", "-s", Source, "--wait", "--timeout", "2s", "--kubeconfig", kubeconfig);

        Assert.Equal(4, code);
        Assert.Contains("error: no operator has reported on model or inferenceservice default/alone in 2s", stderr, StringComparison.Ordinal);
        Assert.Contains("kubectl get deployments -n llmkube-system", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(no status yet)):", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_refuses_an_unsupported_source_with_the_operators_own_check()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, _, stderr) = await cluster.CliAsync("deploy", "repo", "-s", "hf://org/repo", "-n", ns);

        Assert.Equal(2, code);
        Assert.Contains("MissingSkipModelInit", stderr, StringComparison.Ordinal);
        Assert.Null(await cluster.MaybeModelAsync(ns, "repo"));
    }

    [Fact]
    public async Task Deploy_refuses_an_existing_name_and_a_missing_source()
    {
        var ns = await cluster.NamespaceAsync("deploy");
        Assert.Equal(0, (await cluster.CliAsync("deploy", "twice", "-s", Source, "-n", ns)).ExitCode);

        var (again, _, againErr) = await cluster.CliAsync("deploy", "twice", "-s", Source, "-n", ns);
        var (noSource, _, noSourceErr) = await cluster.CliAsync("deploy", "other", "-n", ns);

        Assert.Equal(1, again);
        Assert.Contains($"error: model {ns}/twice already exists: pick another NAME, or remove it first with llmkube delete twice -n {ns}", againErr, StringComparison.Ordinal);
        Assert.Equal(2, noSource);
        Assert.Contains("--source", noSourceErr, StringComparison.Ordinal);
        Assert.Contains("'other' is not in the catalog", noSourceErr, StringComparison.Ordinal);
        Assert.Null(await cluster.MaybeModelAsync(ns, "other"));
    }

    [Fact]
    public async Task Deploy_of_a_catalog_id_creates_the_catalogs_source_and_settings()
    {
        var ns = await cluster.NamespaceAsync("deploy");

        var (code, stdout, stderr) = await cluster.CliAsync("deploy", "qwen-2.5-coder-7b", "-n", ns);

        Assert.True(code == 0, stderr);
        Assert.Contains($"model {ns}/qwen-2.5-coder-7b created (source https://huggingface.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF/resolve/main/Qwen2.5-Coder-7B-Instruct-Q5_K_M.gguf)", stdout, StringComparison.Ordinal);
        var model = await cluster.MaybeModelAsync(ns, "qwen-2.5-coder-7b");
        var service = await cluster.ServiceAsync(ns, "qwen-2.5-coder-7b");
        Assert.Equal(("https://huggingface.co/bartowski/Qwen2.5-Coder-7B-Instruct-GGUF/resolve/main/Qwen2.5-Coder-7B-Instruct-Q5_K_M.gguf", "Q5_K_M"), (model!.Spec.Source, model.Spec.Quantization));
        Assert.Equal((131072, "4", "8Gi"), (service.Spec.ContextSize, service.Spec.Resources!.Cpu, service.Spec.Resources.Memory));
    }
}
