using LlmKube.Api;
using LlmKube.Api.Validation;
using static LlmKube.Core.Tests.Fixtures;

namespace LlmKube.Core.Tests;

public class DesiredStateIssuesTests
{
    [Fact]
    public void An_unsupported_runtime_builds_nothing_and_names_the_field_and_value()
    {
        var state = State(service: Service(s => s.Runtime = Runtimes.Vllm));

        Assert.False(state.Serves);
        Assert.Null(state.Claim);
        var issue = Assert.Single(state.Blocking);
        Assert.Equal((IssueSeverity.NotSupported, "FieldNotSupported", "spec.runtime"), (issue.Severity, issue.Reason, issue.Field));
        Assert.Contains("\"vllm\"", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ignored_upstream_fields_are_reported_but_the_service_is_built()
    {
        var state = State(service: Service(s => s.Autoscaling = System.Text.Json.JsonDocument.Parse("""{"maxReplicas":3}""").RootElement));

        Assert.True(state.Serves);
        var issue = Assert.Single(state.Issues);
        Assert.Equal((IssueSeverity.Ignored, "spec.autoscaling"), (issue.Severity, issue.Field));
    }

    [Fact]
    public void Unsupported_fields_inside_nested_specs_are_named_by_their_whole_path()
    {
        var claims = System.Text.Json.JsonDocument.Parse("""[{"name":"gpu"}]""").RootElement.EnumerateArray().ToList();
        var model = Model(configure: m => m.Hardware = new() { MemoryBudget = "16Gi", Gpu = new() { Count = 1, ResourceClaims = claims } });

        var issues = SpecChecks.CheckModel(model);

        Assert.Equal(
            [(IssueSeverity.NotSupported, "FieldNotSupported", "spec.hardware.gpu.resourceClaims"), (IssueSeverity.Ignored, "FieldNotSupported", "spec.hardware.memoryBudget")],
            issues.Select(i => (i.Severity, i.Reason, i.Field)).Order());
        var state = State(model);
        Assert.False(state.Serves);
        Assert.Contains(state.Blocking, i => i.Message.Contains("spec.hardware.gpu.resourceClaims: is not supported", StringComparison.Ordinal));
    }

    [Fact]
    public void Metal_models_are_not_supported()
    {
        var state = State(Model(configure: m => m.Hardware = new() { Accelerator = Accelerators.Metal }));

        Assert.False(state.Serves);
        Assert.Contains(state.Blocking, i => i.Message.Contains("spec.hardware.accelerator", StringComparison.Ordinal) && i.Message.Contains("metal", StringComparison.Ordinal));
    }

    [Fact]
    public void Amd_gpus_need_a_user_image_and_then_request_the_amd_resource()
    {
        var amd = Model(configure: m => m.Hardware = new() { Gpu = new() { Count = 1, Vendor = GpuVendors.Amd } });

        Assert.Contains(State(amd).Blocking, i => i.Field == "spec.image");
        var withImage = State(amd, Service(s => s.Image = "vulkan:1"));
        Assert.True(withImage.Serves);
        Assert.True(Server(withImage).Resources.Limits.ContainsKey("amd.com/gpu"));
    }

    [Fact]
    public void A_hub_repository_without_files_needs_skipModelInit()
    {
        var repo = Model("Qwen/Qwen2.5-0.5B-Instruct", withStatusKey: false);

        Assert.Contains(State(repo).Blocking, i => i.Reason == "MissingSkipModelInit");
        Assert.True(State(repo, Service(s => s.SkipModelInit = true)).Serves);
    }

    [Fact]
    public void Non_gguf_formats_are_not_served_by_llama_cpp()
    {
        Assert.Contains(State(Model(configure: m => m.Format = ModelFormats.Safetensors)).Blocking, i => i.Message.Contains("safetensors", StringComparison.Ordinal));
    }

    [Fact]
    public void Unparsable_quantities_are_invalid_with_the_field()
    {
        var state = State(service: Service(s => s.Resources = new() { Memory = "4GB" }));

        var issue = Assert.Single(state.Blocking);
        Assert.Equal((IssueSeverity.Invalid, "spec.resources.memory"), (issue.Severity, issue.Field));
    }

    [Fact]
    public void Traversal_in_files_is_refused_before_any_path_is_built()
    {
        var state = State(Model("hf://org/repo", m => m.Files = ["../../etc/passwd"], withStatusKey: false));

        Assert.Null(state.Deployment);
        Assert.Contains(state.Blocking, i => i.Reason == "InvalidFileSet" && i.Message.Contains("spec.files[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Unbounded_ephemeral_cache_and_gpu_without_count_are_warnings_only()
    {
        var state = State(Model(configure: m => m.Hardware = new() { Gpu = new() { Enabled = true } }), Service(s => s.ModelCache = new() { Persistence = CachePersistence.Ephemeral }));

        Assert.True(state.Serves);
        Assert.Equal(["GPUNotRequested", "UnboundedEphemeralCache"], state.Issues.Select(i => i.Reason).Order());
    }

    [Fact]
    public void Service_names_longer_than_a_label_value_are_invalid()
    {
        var state = State(service: Service(name: new string('a', 64)));

        Assert.Contains(state.Blocking, i => i.Field == "metadata.name");
    }
}
