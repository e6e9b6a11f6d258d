using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.Api.Cache;
using LlmKube.Cli.Tests.Cluster;
using LlmKube.Core;
using LlmKube.Core.Configuration;

namespace LlmKube.Cli.Tests;

public class ListAndStatusTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string Source = "https://models.example.invalid/phi/phi-3-mini.Q4.gguf";

    private async Task<string> TwoServicesAsync()
    {
        var ns = await cluster.NamespaceAsync("list");
        await cluster.CreateClaimAsync(ns, "mine");
        // Deployed together: the two services' waits for their Models' size probes (ModelGracePeriod) overlap.
        var deployed = await Task.WhenAll(
            cluster.CliAsync("deploy", "shared-one", "-s", Source, "-n", ns, "--wait", "--timeout", "30s"),
            cluster.CliAsync("deploy", "own-one", "-s", Source + "?v=2", "--cache-claim", "mine", "-n", ns, "--wait", "--timeout", "30s"));
        Assert.All(deployed, d => Assert.Equal(0, d.ExitCode));
        return ns;
    }

    [Fact]
    public async Task List_shows_each_service_with_phase_replicas_and_the_claim_it_really_uses()
    {
        var ns = await TwoServicesAsync();

        var (code, stdout, stderr) = await cluster.CliAsync("list", "-n", ns);

        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+MODEL\s+PHASE\s+REPLICAS\s+CACHE\s+CLAIM\s+ENDPOINT\s+AGE$", lines[0]);
        Assert.Matches(@"^own-one\s+own-one\s+Ready\s+1/1\s+claim\s+mine\s+http://own-one\..*:8080/v1/chat/completions\s+\d+s$", lines[1]);
        Assert.Matches(@"^shared-one\s+shared-one\s+Ready\s+1/1\s+shared\s+llmkube-model-cache\s+", lines[2]);
        Assert.DoesNotContain("\u001b[", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_models_all_namespaces_and_json_for_scripts()
    {
        var ns = await TwoServicesAsync();

        var (modelsCode, models, _) = await cluster.CliAsync("ls", "models", "-n", ns);
        var (allCode, all, _) = await cluster.CliAsync("list", "-A");
        var (jsonCode, json, _) = await cluster.CliAsync("list", "-n", ns, "-o", "json");

        Assert.Equal(0, modelsCode);
        Assert.Matches(@"^NAME\s+PHASE\s+SIZE\s+CACHE KEY\s+SOURCE\s+AGE", models);
        Assert.Contains(CacheKeys.Compute(Source), models, StringComparison.Ordinal);
        // The source's size is unknown (the probe cannot reach example.invalid): the SIZE column is empty, not "0".
        Assert.Matches($@"\nshared-one\s+Ready\s+{CacheKeys.Compute(Source)}\s", models);
        Assert.Equal(0, allCode);
        Assert.Matches(@"^NAMESPACE\s+NAME\s+MODEL", all);
        Assert.Matches($@"\n{ns}\s+shared-one\s+", all);
        Assert.Equal(0, jsonCode);
        var items = JsonNode.Parse(json)!["items"]!.AsArray();
        Assert.Equal(["own-one", "shared-one"], items.Select(i => (string)i!["metadata"]!["name"]!));
        Assert.Equal("mine", (string)items[0]!["status"]!["modelCache"]!["claimName"]!);
    }

    [Fact]
    public async Task List_in_an_empty_namespace_says_so_on_stderr()
    {
        var ns = await cluster.NamespaceAsync("list");

        var (code, stdout, stderr) = await cluster.CliAsync("list", "-n", ns);

        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Contains($"No inference services found in namespace {ns}.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_shows_the_model_the_service_every_condition_and_the_cache_wiring()
    {
        var ns = await TwoServicesAsync();
        var key = CacheKeys.Compute(Source + "?v=2");

        var (code, stdout, stderr) = await cluster.CliAsync("status", "own-one", "-n", ns);

        Assert.True(code == 0, stderr);
        Assert.Contains($"Model {ns}/own-one\n  Phase:      Ready\n", stdout, StringComparison.Ordinal);
        Assert.Contains($"  Cache key:  {key}\n", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("  Size:", stdout, StringComparison.Ordinal);
        Assert.Contains($"InferenceService {ns}/own-one\n  Phase:      Ready\n  Model:      own-one\n  Replicas:   1/1 ready\n", stdout, StringComparison.Ordinal);
        Assert.Matches(@"    Available: True \(InferenceReady\) - 1/1 replicas ready\n", stdout);
        Assert.Matches(@"    ModelCacheReady: True \(ClaimBound\) - .*mine", stdout);
        Assert.Contains("Cache\n  Volume:     claim\n  Claim:      mine (Bound, 20Gi, ReadWriteOnce)\n", stdout, StringComparison.Ordinal);
        Assert.Contains($"  Model path: /models/{key}/phi-3-mini.Q4.gguf\n", stdout, StringComparison.Ordinal);
        Assert.Contains("  Reported:   by the operator (status.modelCache)", stdout, StringComparison.Ordinal);
        Assert.Contains("  Operator:   shared cache mode, caching on, claims of 100Gi (the cluster's default storage class, ReadWriteOnce)", stdout, StringComparison.Ordinal);
        Assert.Contains("(published in ConfigMap llmkube-system/llmkube-operator-config)\n", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_look_alike_configuration_in_a_tenants_namespace_is_not_trusted()
    {
        var ns = await TwoServicesAsync();
        await cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "llmkube-operator-config", Labels = new Dictionary<string, string> { ["app.kubernetes.io/component"] = "operator-config" } },
            Data = new PublishedConfiguration(new WorkloadSettings { ModelCacheEnabled = false }, "6.6.6", ns).ToData(),
        }, ns);
        try
        {
            var (found, json, _) = await cluster.CliAsync("status", "shared-one", "-n", ns, "-o", "json");
            var (guessed, guess, _) = await cluster.CliAsync("status", "shared-one", "-n", ns, "-o", "json", "--operator-namespace", "elsewhere");

            Assert.Equal((0, 0), (found, guessed));
            Assert.Equal("llmkube-system/llmkube-operator-config", (string?)JsonNode.Parse(json)!["operator"]!["configMap"]);
            var unknown = JsonNode.Parse(guess)!["operator"]!;
            Assert.False((bool)unknown["known"]!);
            Assert.Contains("2 operators publish one (", (string?)unknown["unknown"], StringComparison.Ordinal);
            Assert.Contains(ns, (string?)unknown["unknown"], StringComparison.Ordinal);
        }
        finally
        {
            await cluster.Client.CoreV1.DeleteNamespacedConfigMapAsync("llmkube-operator-config", ns);
        }
    }

    [Fact]
    public async Task The_operators_configuration_is_read_where_it_runs_or_found_by_its_label()
    {
        var ns = await TwoServicesAsync();

        var (code, json, stderr) = await cluster.CliAsync("status", "shared-one", "-n", ns, "-o", "json", "--operator-namespace", "elsewhere");

        Assert.True(code == 0, stderr);
        var published = JsonNode.Parse(json)!["operator"]!;
        Assert.Equal("llmkube-system/llmkube-operator-config", (string?)published["configMap"]);
        Assert.Equal(("shared", "true", "100Gi"), ((string?)published["data"]!["modelCacheMode"], (string?)published["data"]!["modelCacheEnabled"], (string?)published["data"]!["modelCacheSize"]));
    }

    [Fact]
    public async Task Status_as_json_and_yaml_is_a_document_for_scripts()
    {
        var ns = await TwoServicesAsync();

        var (jsonCode, json, _) = await cluster.CliAsync("status", "shared-one", "-n", ns, "-o", "json");
        var (yamlCode, yaml, _) = await cluster.CliAsync("status", "shared-one", "-n", ns, "-o", "yaml");

        Assert.Equal(0, jsonCode);
        var document = JsonNode.Parse(json)!;
        Assert.Equal("shared", (string)document["cache"]!["volume"]!);
        Assert.Equal("llmkube-model-cache", (string)document["cache"]!["claimName"]!);
        Assert.Equal("Bound", (string)document["cache"]!["claimPhase"]!);
        Assert.True((bool)document["cache"]!["reported"]!);
        Assert.Equal("Model", (string)document["model"]!["kind"]!);
        Assert.Equal(0, yamlCode);
        Assert.Contains("cache:\n  volume: shared\n  claimName: llmkube-model-cache\n", yaml, StringComparison.Ordinal);
        Assert.Contains("reported: true\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_a_service_whose_claim_is_missing_shows_why_and_the_warning_event()
    {
        var ns = await cluster.NamespaceAsync("status");
        await cluster.CliAsync("deploy", "broken", "-s", Source, "--cache-claim", "absent", "-n", ns, "--wait", "--timeout", "30s");

        var (code, stdout, _) = await cluster.CliAsync("status", "broken", "-n", ns);

        Assert.Equal(0, code);
        Assert.Contains("  Phase:      Failed\n", stdout, StringComparison.Ordinal);
        Assert.Matches(@"    Degraded: True \(ModelCachePVCNotFound\) - .*absent", stdout);
        Assert.Contains($"  Claim:      absent (not found in namespace {ns})", stdout, StringComparison.Ordinal);
        Assert.Contains("Warnings (events)\n  ModelCachePVCNotFound:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_an_unknown_name_is_exit_3_in_one_line()
    {
        var ns = await cluster.NamespaceAsync("status");

        var (code, stdout, stderr) = await cluster.CliAsync("status", "ghost", "-n", ns);

        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: no inferenceservice or model named ghost in namespace {ns}: see llmkube list -n {ns} (or -A)\n", stderr);
    }
}
