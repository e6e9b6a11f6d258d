using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Models;

public sealed class ModelSpec
{
    /// <summary>Longest path in <c>files</c> or <c>mmproj</c>; it also bounds the cost of their admission rules.</summary>
    public const int MaxFilePathLength = 1024;

    [Required]
    [RegularExpression(Patterns.ModelSource)]
    [MaxLength(8192)]
    [CelRule("!self.matches('" + Patterns.SourceWithUserInfo + "')",
        "spec.source must not carry credentials (user:password@host): put them in a Secret and name it in spec.sourceSecretRef (keys HF_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")]
    [CelRule("!self.matches('" + Patterns.SourceFileNameTooLong + "')",
        "the file name taken from spec.source (its last path segment) does not fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    [Description("Where the weights come from: http(s) URL, hf://org/repo[@rev][/file], pvc://claim/path, s3://bucket/key, file:// or an absolute path (only under the operator's allowed roots), or a bare Hugging Face repo id.")]
    public string Source { get; set; } = "";

    [RegularExpression(Patterns.Sha256)]
    [Description("Expected sha256 of the model file (hex). The fetcher verifies it while the bytes stream; a mismatch fails the download.")]
    public string? Sha256 { get; set; }

    [Description("Secret in the Model's namespace whose keys become the fetcher's environment (HF_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL).")]
    public V1LocalObjectReference? SourceSecretRef { get; set; }

    [AllowedValues(RefreshPolicies.IfNotPresent, RefreshPolicies.OnChange)]
    [DefaultValue(RefreshPolicies.IfNotPresent)]
    [Description("IfNotPresent: a cached file is used as is. OnChange: the fetcher compares the source's validator with the recorded one at each pod start and downloads again when it changed.")]
    public string? RefreshPolicy { get; set; }

    [NotSupported("ignored: the first InferenceService that uses the Model fills the cache")]
    public bool? Prefetch { get; set; }

    [NotSupported("ignored, because prefetch is not supported")]
    public IList<V1Toleration>? PrefetchTolerations { get; set; }

    [AllowedValues(ModelFormats.Gguf, ModelFormats.Mlx, ModelFormats.Safetensors, ModelFormats.Pytorch, ModelFormats.Custom)]
    [DefaultValue(ModelFormats.Gguf)]
    public string? Format { get; set; }

    [Description("Free text shown by the CLI, for example Q4_K_M.")]
    public string? Quantization { get; set; }

    public ModelHardware? Hardware { get; set; }

    [Description("Informational; pod resources come from the InferenceService.")]
    public ModelResources? Resources { get; set; }

    [ItemPattern(Patterns.RelativeFilePath)]
    [MaxLength(256)]
    [ItemMaxLength(MaxFilePathLength)]
    [CelRule("self.all(f, size(bytes(f)) <= 220 || f.matches('" + Patterns.AsciiPathFitsNameMax + "'))",
        "every entry of spec.files must fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    [CelRule("self.all(f, !f.matches('" + Patterns.ReservedFileName + "'))",
        "spec.files must not name the fetcher's own files (a dot-name containing .llmkube: its lock, sidecars, partial downloads)")]
    [Description("Multi-file models: repository-relative paths to stage (subdirectories kept). files[0] is the file the server loads.")]
    public IList<string>? Files { get; set; }

    [RegularExpression(Patterns.RelativeFilePath)]
    [MaxLength(MaxFilePathLength)]
    [CelRule("size(bytes(self)) <= 220 || self.matches('" + Patterns.AsciiPathFitsNameMax + "')",
        "spec.mmproj must fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    [CelRule("!self.matches('" + Patterns.ReservedFileName + "')",
        "spec.mmproj must not name the fetcher's own files (a dot-name containing .llmkube: its lock, sidecars, partial downloads)")]
    [Description("Multimodal projector file staged beside the model and passed to llama.cpp as --mmproj.")]
    public string? Mmproj { get; set; }
}

public sealed class ModelHardware
{
    [AllowedValues(Accelerators.Cpu, Accelerators.Metal, Accelerators.Cuda, Accelerators.Rocm, Accelerators.Intel, Accelerators.Vulkan)]
    [DefaultValue(Accelerators.Cpu)]
    public string? Accelerator { get; set; }

    public GpuSpec? Gpu { get; set; }

    [NotSupported("ignored: used only by upstream's macOS Metal agent")]
    public string? MemoryBudget { get; set; }

    [NotSupported("ignored: used only by upstream's macOS Metal agent")]
    public double? MemoryFraction { get; set; }
}

public sealed class GpuSpec
{
    [Description("Marks the model as GPU-accelerated (selects the CUDA image). Requests no GPU by itself; set count.")]
    public bool? Enabled { get; set; }

    [Range(0, 8)]
    [Description("GPUs per pod; wins over the InferenceService's resources.gpu.")]
    public int? Count { get; set; }

    [Description("Per-GPU memory hint; informational.")]
    public string? Memory { get; set; }

    [AllowedValues(GpuVendors.Nvidia, GpuVendors.Amd, GpuVendors.Intel)]
    [DefaultValue(GpuVendors.Nvidia)]
    public string? Vendor { get; set; }

    [RegularExpression(Patterns.ResourceName)]
    [Description("Extended resource name to request instead of the vendor default (nvidia.com/gpu).")]
    public string? ResourceName { get; set; }

    [RegularExpression(Patterns.ResourceName)]
    [Description("Taint key to tolerate; defaults to the resource name.")]
    public string? TolerationKey { get; set; }

    [AllowedValues(GpuRuntimes.Vulkan, GpuRuntimes.Rocm)]
    public string? Runtime { get; set; }

    [Range(-1, int.MaxValue)]
    [Description("--n-gpu-layers; -1 or unset offloads all layers (99).")]
    public int? Layers { get; set; }

    public GpuSharding? Sharding { get; set; }

    [PreserveUnknownFields]
    [NotSupported("Dynamic Resource Allocation claims are not requested, so the pod would get no GPU", Blocking = true)]
    public IList<JsonElement>? ResourceClaims { get; set; }
}

public sealed class GpuSharding
{
    [AllowedValues(ShardingStrategies.Layer, ShardingStrategies.Tensor, ShardingStrategies.Row, ShardingStrategies.Pipeline, ShardingStrategies.None)]
    [DefaultValue(ShardingStrategies.Layer)]
    public string? Strategy { get; set; }

    [ItemPattern(@"^[0-9]+-[0-9]+$")]
    [Description("Layer ranges per GPU such as 0-19; turned into --tensor-split ratios.")]
    public IList<string>? LayerSplit { get; set; }
}

public sealed class ModelResources
{
    [Quantity]
    public string? Cpu { get; set; }

    [Quantity]
    public string? Memory { get; set; }
}
