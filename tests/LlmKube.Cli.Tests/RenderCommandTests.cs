using k8s;
using k8s.Models;
using LlmKube.Tests.Shared;

namespace LlmKube.Cli.Tests;

public class RenderCommandTests
{
    private static string Example(string name) => RepoPaths.Combine("examples", name);

    private static async Task<(List<IKubernetesObject> Objects, string Stderr)> RenderAsync(params string[] args)
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync(["render", .. args]);
        Assert.True(code == 0, $"exit {code}: {stderr}");
        var objects = KubernetesYaml.LoadAllFromString(stdout).Cast<IKubernetesObject>().ToList();
        return (objects, stderr);
    }

    private static string Describe(IKubernetesObject o) => $"{o.Kind}/{((IMetadata<V1ObjectMeta>)o).Metadata.Name}";

    [Fact]
    public async Task Quickstart_renders_the_shared_claim_deployment_and_service()
    {
        var (objects, stderr) = await RenderAsync("-f", Example("quickstart.yaml"));

        Assert.Equal(["PersistentVolumeClaim/llmkube-model-cache", "Deployment/tinyllama", "Service/tinyllama"], objects.Select(Describe));
        Assert.Contains("cache: shared claim llmkube-model-cache, key ", stderr, StringComparison.Ordinal);
        var pod = objects.OfType<V1Deployment>().Single().Spec.Template.Spec;
        Assert.Equal(["model-cache-prep", "model-downloader"], pod.InitContainers.Select(c => c.Name));
    }

    [Fact]
    public async Task Byo_cache_mounts_the_users_claim_and_never_renders_it()
    {
        var (objects, stderr) = await RenderAsync("-f", Example("byo-cache.yaml"));

        Assert.Equal(["Deployment/llama-3-2-3b", "Service/llama-3-2-3b"], objects.Select(Describe));
        var volume = objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache");
        Assert.Equal("my-model-cache", volume.PersistentVolumeClaim.ClaimName);
        Assert.Contains("persistentvolumeclaim default/my-model-cache: not an llmkube resource", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Per_service_mode_renders_an_owned_rwo_claim()
    {
        var (objects, _) = await RenderAsync("-f", Example("per-service.yaml"), "--model-cache-mode", "perService");

        var claim = objects.OfType<V1PersistentVolumeClaim>().Single();
        Assert.Equal("phi-3-mini-model-cache", claim.Metadata.Name);
        Assert.Equal("InferenceService", claim.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
    }

    [Fact]
    public async Task Ephemeral_renders_a_sized_emptyDir_and_no_claim()
    {
        var (objects, _) = await RenderAsync("-f", Example("ephemeral.yaml"));

        Assert.DoesNotContain(objects, o => o is V1PersistentVolumeClaim);
        var volume = objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Volumes.Single();
        Assert.Equal(("model-storage", "2Gi"), (volume.Name, volume.EmptyDir.SizeLimit.ToString()));
    }

    [Fact]
    public async Task Pvc_source_mounts_the_claim_read_only_without_init_containers()
    {
        var (objects, _) = await RenderAsync("-f", Example("pvc-source.yaml"));

        var pod = objects.OfType<V1Deployment>().Single().Spec.Template.Spec;
        Assert.Null(pod.InitContainers);
        Assert.True(pod.Volumes.Single().PersistentVolumeClaim.ReadOnlyProperty);
    }

    [Fact]
    public async Task Json_output_is_one_v1_list()
    {
        var (code, stdout, _) = await CliRunner.RunAsync("render", "-f", Example("quickstart.yaml"), "-o", "json");

        Assert.Equal(0, code);
        var list = System.Text.Json.Nodes.JsonNode.Parse(stdout)!;
        Assert.Equal(("v1", "List"), ((string?)list["apiVersion"], (string?)list["kind"]));
        Assert.Equal(3, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_directory_renders_every_example_and_the_shared_claim_once()
    {
        var (objects, _) = await RenderAsync("-f", RepoPaths.Combine("examples"));

        Assert.Single(objects, o => Describe(o) == "PersistentVolumeClaim/llmkube-model-cache");
        Assert.Equal(6, objects.OfType<V1Deployment>().Count());
    }

    [Fact]
    public async Task The_provisioned_cache_example_renders_its_own_claim_with_class_and_size_and_says_so()
    {
        var (objects, stderr) = await RenderAsync("-f", Example("provisioned-cache.yaml"));

        var claim = Assert.Single(objects.OfType<V1PersistentVolumeClaim>());
        Assert.Equal(("qwen2-5-32b-model-cache", "local-nvme", "60Gi"), (claim.Metadata.Name, claim.Spec.StorageClassName, claim.Spec.Resources.Requests["storage"].ToString()));
        Assert.Equal("qwen2-5-32b", Assert.Single(claim.Metadata.OwnerReferences).Name);
        Assert.Contains("provisioned claim qwen2-5-32b-model-cache (storage class local-nvme, 60Gi, ReadWriteOnce", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_user_claim_renders_nothing_for_the_service_and_names_claim_namespace_and_field()
    {
        var (objects, stderr) = await RenderAsync("-f", Example("byo-cache.yaml"), "--missing-claim", "my-model-cache");

        Assert.Empty(objects);
        var line = stderr.Split('\n').Single(l => l.StartsWith("not rendered:", StringComparison.Ordinal));
        Assert.Contains("my-model-cache", line, StringComparison.Ordinal);
        Assert.Contains("namespace default", line, StringComparison.Ordinal);
        Assert.Contains("spec.modelCache.claimName", line, StringComparison.Ordinal);
        Assert.Contains("ModelCachePVCNotFound", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ignored_claim_is_a_warning_on_stderr()
    {
        var yaml = File.ReadAllText(Example("pvc-source.yaml")).Replace("  modelRef: tinyllama-staged", "  modelRef: tinyllama-staged\n  modelCache:\n    claimName: my-cache", StringComparison.Ordinal);

        var (objects, stderr) = await RenderAsync("-f", CliRunner.TempYaml(yaml));

        Assert.Equal(2, objects.Count);
        Assert.Contains("warning: inferenceservice default/tinyllama-staged: spec.modelCache.claimName my-cache is ignored", stderr, StringComparison.Ordinal);
        Assert.Contains("pre-staged pvc:// volume", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_bad_reference_in_a_directory_still_prints_every_valid_object_and_exits_1()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"llmkube-render-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        foreach (var example in Directory.GetFiles(RepoPaths.Combine("examples"), "*.yaml"))
        {
            File.Copy(example, Path.Combine(directory, Path.GetFileName(example)));
        }

        File.WriteAllText(Path.Combine(directory, "zz-orphan.yaml"), "apiVersion: inference.llmkube.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: orphan}\nspec: {modelRef: not-here}\n");

        var (code, stdout, stderr) = await CliRunner.RunAsync("render", "-f", directory);

        Assert.Equal(1, code);
        var objects = KubernetesYaml.LoadAllFromString(stdout).Cast<IKubernetesObject>().ToList();
        Assert.Equal(Directory.GetFiles(RepoPaths.Combine("examples"), "*.yaml").Length, objects.OfType<V1Deployment>().Count()); // one service per example
        Assert.DoesNotContain(objects, o => ((IMetadata<V1ObjectMeta>)o).Metadata.Name == "orphan");
        Assert.Contains("error: inferenceservice default/orphan: spec.modelRef: Model \"not-here\" is not among the input manifests", stderr, StringComparison.Ordinal);
        Assert.Contains("only the valid ones were rendered", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dash_f_dash_reads_the_manifests_from_standard_input()
    {
        var yaml = await File.ReadAllTextAsync(Example("quickstart.yaml"));
        var environment = new Output.CliEnvironment(new StringReader(yaml), false, false);

        var (code, stdout, stderr) = await CliRunner.RunAsync(environment, "render", "-f", "-");
        var (twice, _, twiceErr) = await CliRunner.RunAsync(environment with { In = new StringReader(yaml) }, "render", "-f", "-", "-f", "-");

        Assert.True(code == 0, stderr);
        Assert.Contains(KubernetesYaml.LoadAllFromString(stdout), o => o is V1Deployment);
        Assert.Equal(2, twice);
        Assert.Contains("only once", twiceErr, StringComparison.Ordinal);
    }

    private const string GoodModel = """
        apiVersion: inference.llmkube.dev/v1alpha1
        kind: Model
        metadata: {name: m}
        spec: {source: "https://example.com/m.gguf"}
        ---
        """;

    [Theory]
    [InlineData("modelRef: m\n  modelCache: {claimName: c, persistence: Ephemeral}", "claimName cannot be set when persistence is Ephemeral")]
    [InlineData("modelRef: m\n  modelCache: {claimName: My_Claim}", "spec.modelCache.claimName")]
    [InlineData("modelRef: m\n  modelCache: {persistence: Sometimes}", "spec.modelCache.persistence: Unsupported value: \"Sometimes\"")]
    [InlineData("modelRef: m\n  modelCache: {claimName: c, storageClassName: fast-local}", "spec.modelCache.claimName cannot be set together with spec.modelCache.storageClassName, size or accessMode")]
    [InlineData("modelRef: m\n  modelCache: {claimName: c, size: 200Gi}", "spec.modelCache.claimName cannot be set together with spec.modelCache.storageClassName, size or accessMode")]
    [InlineData("modelRef: m\n  modelCache: {persistence: Ephemeral, size: 200Gi}", "spec.modelCache.persistence Ephemeral cannot be set together with spec.modelCache.storageClassName, size or accessMode")]
    [InlineData("modelRef: m\n  modelCache: {size: 500Mi}", "spec.modelCache.size must be a quantity of at least 1Gi")]
    [InlineData("modelRef: m\n  modelCache: {size: 1G}", "spec.modelCache.size must be a quantity of at least 1Gi")]
    [InlineData("modelRef: m\n  modelCache: {size: lots}", "spec.modelCache.size")]
    [InlineData("modelRef: m\n  modelCache: {accessMode: ReadOnlyMany}", "spec.modelCache.accessMode: Unsupported value")]
    [InlineData("modelRef: m\n  replicas: 11", "spec.replicas")]
    [InlineData("modelRef: m\n  contextSize: -5", "spec.contextSize")]
    [InlineData("modelRef: m\n  resources: {memory: 4GB}", "spec.resources.memory")]
    [InlineData("modelRef: m\n  resources: {ephemeralStorage: -1Gi}", "spec.resources.ephemeralStorage")]
    [InlineData("modelRef: m\n  replica: 2", "unknown field \"spec.replica\"")]
    [InlineData("modelRef: m\n  endpoint: {type: Ingress}", "spec.endpoint.type")]
    [InlineData("modelRef: nope", "spec.modelRef: Model \"nope\" is not among the input manifests")]
    [InlineData("replicas: 1", "spec.modelRef: Required value")]
    public async Task Invalid_services_exit_non_zero_naming_the_field(string spec, string expected)
    {
        var path = CliRunner.TempYaml(GoodModel + $"\napiVersion: inference.llmkube.dev/v1alpha1\nkind: InferenceService\nmetadata: {{name: s}}\nspec:\n  {spec}\n");

        var (code, stdout, stderr) = await CliRunner.RunAsync("render", "-f", path);

        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Contains("inferenceservice default/s", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_that_cannot_name_the_service_or_its_labels_are_refused_with_the_fix()
    {
        string Service(string name, string model) => $"apiVersion: inference.llmkube.dev/v1alpha1\nkind: InferenceService\nmetadata: {{name: \"{name}\"}}\nspec: {{modelRef: {model}}}\n---\n";
        string Model(string name) => $"apiVersion: inference.llmkube.dev/v1alpha1\nkind: Model\nmetadata: {{name: {name}}}\nspec: {{source: \"https://example.com/m.gguf\"}}\n---\n";
        var longModel = new string('m', 64);
        var path = CliRunner.TempYaml(Model("m") + Model(longModel) + Service("8b-llama", "m") + Service(new string('s', 64), "m") + Service("llama-3.1-8b", "m"));

        var (code, _, stderr) = await CliRunner.RunAsync("render", "-f", path);

        Assert.Equal(1, code);
        Assert.Contains("inferenceservice default/8b-llama", stderr, StringComparison.Ordinal);
        Assert.Contains("metadata.name must start with a lowercase letter and be at most 63 characters", stderr, StringComparison.Ordinal);
        Assert.Contains("Rename it", stderr, StringComparison.Ordinal);
        Assert.Contains($"inferenceservice default/{new string('s', 64)}", stderr, StringComparison.Ordinal);
        Assert.Contains($"model default/{longModel}", stderr, StringComparison.Ordinal);
        Assert.Contains("label inference.llmkube.dev/model", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("error: inferenceservice default/llama-3.1-8b", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("source: ftp://example.com/m.gguf", "spec.source")]
    [InlineData("source: \"hf://org/repo\"\n  files: [\"../../etc/passwd\"]", "spec.files[0]")]
    [InlineData("source: \"hf://org/repo\"\n  files: [\"/abs.gguf\"]", "spec.files[0]")]
    [InlineData("source: \"https://x/m.gguf\"\n  files: [a.gguf]", "multi-file staging needs")]
    [InlineData("source: \"pvc://claim\"", "spec.source")]
    [InlineData("source: \"https://x/m.gguf\"\n  sha256: xyz", "spec.sha256")]
    [InlineData("source: \"https://x/m.gguf\"\n  refreshPolicy: Always", "spec.refreshPolicy: Unsupported value")]
    [InlineData("source: \"https://x/m.gguf\"\n  hardware: {gpu: {count: 9}}", "spec.hardware.gpu.count")]
    [InlineData("source: \"https://user:hunter2@x.example/m.gguf\"", "spec.sourceSecretRef")]
    [InlineData("source: \"https://x.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.gguf\"", "NAME_MAX")]
    [InlineData("source: \"hf://org/repo\"\n  files: [\"ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé\"]", "NAME_MAX")]
    public async Task Invalid_models_exit_non_zero_naming_the_field(string spec, string expected)
    {
        var path = CliRunner.TempYaml($"apiVersion: inference.llmkube.dev/v1alpha1\nkind: Model\nmetadata: {{name: m}}\nspec:\n  {spec}\n");

        var (code, _, stderr) = await CliRunner.RunAsync("render", "-f", path);

        Assert.Equal(1, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Contains("model default/m", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreadable_input_exits_2_with_the_location()
    {
        var missing = await CliRunner.RunAsync("render", "-f", "/nonexistent/x.yaml");
        var badIndent = await CliRunner.RunAsync("render", "-f", CliRunner.TempYaml("a: b\n  c: d\n"));
        var unclosed = await CliRunner.RunAsync("render", "-f", CliRunner.TempYaml("a: [1, 2\nb: c\n"));
        var scalar = await CliRunner.RunAsync("render", "-f", CliRunner.TempYaml("just a string\n"));

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badIndent.ExitCode);
        Assert.Contains("line 2", badIndent.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, unclosed.ExitCode);
        Assert.Contains("not valid YAML", unclosed.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, scalar.ExitCode);
        Assert.Contains("is not a mapping", scalar.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_mode_is_refused_by_the_parser()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("render", "-f", Example("quickstart.yaml"), "--model-cache-mode", "bogus");

        Assert.NotEqual(0, code);
        Assert.Contains("bogus", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_compat_sample_renders_or_explains_itself_in_lines_naming_a_field()
    {
        foreach (var file in Directory.GetFiles(RepoPaths.CompatSamples, "*.yaml"))
        {
            var (code, _, stderr) = await CliRunner.RunAsync("render", "-f", file);

            Assert.True(code is 0 or 1, $"{file}: exit {code}: {stderr}");
            foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("note:", StringComparison.Ordinal)))
            {
                Assert.True(line.Contains("spec.", StringComparison.Ordinal) || line.StartsWith("error: the input has invalid", StringComparison.Ordinal), $"{Path.GetFileName(file)}: a line that names no field: {line}");
            }
        }
    }

    [Fact]
    public async Task The_compat_corpus_as_a_whole_fails_only_on_the_model_no_sample_defines()
    {
        var (code, _, stderr) = await CliRunner.RunAsync("render", "-f", RepoPaths.CompatSamples);

        Assert.Equal(1, code);
        var errors = stderr.Split('\n').Where(l => l.StartsWith("error: inferenceservice", StringComparison.Ordinal) || l.StartsWith("error: model", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.Contains("Model \"model-sample\"", error, StringComparison.Ordinal);
    }
}
