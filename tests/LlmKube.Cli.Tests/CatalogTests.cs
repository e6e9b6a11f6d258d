using System.Text.Json.Nodes;
using LlmKube.Cli.Catalog;
using LlmKube.Tests.Shared;
using YamlDotNet.Serialization;

namespace LlmKube.Cli.Tests;

/// <summary>
/// The catalog keeps upstream's ids, sources and settings (tests/compat/llmkube-catalog.yaml), and
/// <c>llmkube deploy ID</c> deploys them; <c>--dry-run</c> shows it without a cluster.
/// </summary>
public sealed class CatalogTests
{
    private static readonly Dictionary<string, Dictionary<string, object>> Upstream = LoadUpstream();

    [Fact]
    public void Every_upstream_id_is_in_the_catalog_with_upstreams_source_and_settings()
    {
        Assert.Equal(Upstream.Keys.Order(StringComparer.Ordinal), ModelCatalog.Default.Models.Select(m => m.Id));
        foreach (var (id, facts) in Upstream)
        {
            var model = ModelCatalog.Default.Find(id)!;
            var resources = (Dictionary<object, object>)facts["resources"];
            Assert.Equal(
                (facts["source"], facts["quantization"], facts["context_size"], facts["gpu_layers"], facts["name"], facts["size"]),
                ((object)model.Source, (object)model.Quantization, (object)model.ContextSize.ToString(), (object)model.GpuLayers.ToString(), (object)model.Name, (object)model.Size));
            Assert.Equal((resources["cpu"], resources["memory"], resources["gpu_memory"]), ((object)model.Resources.Cpu, (object)model.Resources.Memory, (object)model.Resources.GpuMemory));
            Assert.Null(model.Sha256); // upstream publishes none; a known digest would be added here with its source
        }
    }

    [Fact]
    public void A_catalog_with_a_missing_field_or_a_duplicate_id_is_refused()
    {
        const string Entry = "  - {id: a, name: A, size: 1B, quantization: Q4_K_M, source: https://x.invalid/a.gguf, contextSize: 1, gpuLayers: 1, resources: {cpu: '1', memory: 1Gi, gpuMemory: 1Gi}}\n";

        Assert.Single(ModelCatalog.Parse("models:\n" + Entry).Models);
        Assert.Contains("id a appears 2 times", Assert.Throws<InvalidDataException>(() => ModelCatalog.Parse("models:\n" + Entry + Entry)).Message, StringComparison.Ordinal);
        Assert.Contains("model a has no source", Assert.Throws<InvalidDataException>(() => ModelCatalog.Parse("models:\n" + Entry.Replace("source: https://x.invalid/a.gguf, ", "", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_dry_run_of_a_catalog_id_prints_a_model_and_a_service_with_upstreams_source()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "phi-4-mini", "--dry-run", "-o", "yaml", "--kubeconfig", "/nonexistent/kubeconfig");

        Assert.True(code == 0, stderr);
        var list = (Dictionary<object, object>)new Deserializer().Deserialize<object>(stdout)!;
        var items = ((List<object>)list["items"]).Cast<Dictionary<object, object>>().ToList();
        Assert.Equal(["Model", "InferenceService"], items.Select(i => (string)i["kind"]));
        var model = (Dictionary<object, object>)items[0]["spec"];
        var service = (Dictionary<object, object>)items[1]["spec"];
        Assert.Equal(Upstream["phi-4-mini"]["source"], model["source"]);
        Assert.Equal("Q5_K_M", model["quantization"]);
        Assert.Equal("phi-4-mini", service["modelRef"]);
        Assert.Equal("8192", service["contextSize"]);
        Assert.Equal(("2", "4Gi"), (((Dictionary<object, object>)service["resources"])["cpu"], ((Dictionary<object, object>)service["resources"])["memory"]));
        // No -n: no namespace, as kubectl's client-side dry run prints objects for kubectl apply -f -.
        Assert.DoesNotContain("namespace", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_gpu_the_catalogs_gpu_layers_and_memory_are_used_and_explicit_flags_win()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "llama-3.1-8b", "--gpu", "--context", "4096", "--memory", "12Gi", "-n", "team-a", "--dry-run", "-o", "json");

        Assert.True(code == 0, stderr);
        var items = JsonNode.Parse(stdout)!["items"]!.AsArray();
        var gpu = items[0]!["spec"]!["hardware"]!["gpu"]!;
        var service = items[1]!["spec"]!;
        Assert.Equal((33, "8Gi", 1), ((int)gpu["layers"]!, (string?)gpu["memory"], (int)gpu["count"]!));
        Assert.Equal((4096, "12Gi", "4", 1, "8Gi"), ((int)service["contextSize"]!, (string?)service["resources"]!["memory"], (string?)service["resources"]!["cpu"], (int)service["resources"]!["gpu"]!, (string?)service["resources"]!["gpuMemory"]));
        Assert.Equal("team-a", (string?)items[1]!["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task Source_still_deploys_anything_else_and_then_no_catalog_setting_is_applied()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "phi-4-mini", "--source", "https://models.example.invalid/mine.gguf", "--dry-run", "-o", "json");

        Assert.True(code == 0, stderr);
        var items = JsonNode.Parse(stdout)!["items"]!.AsArray();
        Assert.Equal("https://models.example.invalid/mine.gguf", (string?)items[0]!["spec"]!["source"]);
        Assert.Null(items[0]!["spec"]!["quantization"]);
        Assert.Null(items[1]!["spec"]!["contextSize"]);
    }

    [Fact]
    public async Task An_unknown_id_without_source_names_the_nearest_ids_and_the_way_out()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "phi-4-mni", "--dry-run");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("error: 'phi-4-mni' is not in the catalog: did you mean phi-4-mini?", stderr, StringComparison.Ordinal);
        Assert.Contains("pass --source URL to deploy anything else", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("phi4", "phi-4-mini")]
    [InlineData("llama-3.1-8", "llama-3.1-8b")]
    [InlineData("mistral7b", "mistral-7b")]
    [InlineData("qwen-2.5-coder-7", "qwen-2.5-coder-7b")]
    public void A_near_miss_of_an_id_suggests_it(string typed, string suggested)
    {
        Assert.Contains($"did you mean {suggested}", ModelCatalog.Default.NotFoundMessage(typed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_dry_run_validates_as_deploy_does_and_creates_nothing()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "phi-4-mini", "--replicas", "11", "--dry-run", "-o", "yaml");

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("would be rejected", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_table_dry_run_says_what_would_be_created_and_where_the_model_would_live()
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync("deploy", "phi-4-mini", "--dry-run");

        Assert.Equal(0, code);
        Assert.Contains($"model phi-4-mini would be created (source {Upstream["phi-4-mini"]["source"]}, catalog phi-4-mini)", stdout, StringComparison.Ordinal);
        Assert.Contains("cache: shared claim llmkube-model-cache", stdout, StringComparison.Ordinal);
        Assert.Contains("dry run: nothing was created", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Catalog_list_shows_every_id_and_filters_by_tag()
    {
        var (code, all, _) = await CliRunner.RunAsync("catalog", "list");
        var (_, coding, _) = await CliRunner.RunAsync("catalog", "list", "--tag", "code");

        Assert.Equal(0, code);
        Assert.All(Upstream.Keys, id => Assert.Contains($"\n{id} ", all, StringComparison.Ordinal));
        Assert.Equal(["qwen-2.5-coder-32b", "qwen-2.5-coder-7b"], coding.Split('\n').Skip(1).Where(l => l.Length > 0).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public async Task Catalog_show_prints_source_and_settings_and_an_unknown_id_is_not_found()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("catalog", "show", "phi-4-mini");
        var (infoCode, info, _) = await CliRunner.RunAsync("catalog", "info", "phi-4-mini");
        var (missing, _, stderr) = await CliRunner.RunAsync("catalog", "show", "phi-4-mni");

        Assert.Equal((0, 0), (code, infoCode));
        Assert.Equal(stdout, info);
        Assert.Contains($"Source:        {Upstream["phi-4-mini"]["source"]}", stdout, StringComparison.Ordinal);
        Assert.Contains("sha256:        not known", stdout, StringComparison.Ordinal);
        Assert.Equal(3, missing);
        Assert.Contains("did you mean phi-4-mini?", stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, Dictionary<string, object>> LoadUpstream()
    {
        var root = new Deserializer().Deserialize<Dictionary<string, object>>(File.ReadAllText(RepoPaths.Combine("tests", "compat", "llmkube-catalog.yaml")));
        return ((Dictionary<object, object>)root["models"]).ToDictionary(
            p => (string)p.Key,
            p => ((Dictionary<object, object>)p.Value).ToDictionary(f => (string)f.Key, f => f.Value, StringComparer.Ordinal),
            StringComparer.Ordinal);
    }
}
