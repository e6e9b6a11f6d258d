using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Models;

/// <summary>
/// What a Model is: where its weights come from, how they are verified and refreshed, and the hardware they are meant
/// for. The Model controller never downloads remote weights itself: the fetcher init containers of the serving pods
/// stage them into the model cache (see an InferenceService's status.modelCache).
/// </summary>
public sealed class ModelSpec
{
    /// <summary>Longest path in <c>files</c> or <c>mmproj</c>; it also bounds the cost of their admission rules.</summary>
    public const int MaxFilePathLength = 1024;

    /// <summary>
    /// Where the weights come from. An http(s) URL of a file; hf://ORG/REPO[@REVISION][/FILE] on the Hugging Face hub
    /// (the revision defaults to main); pvc://CLAIM/PATH, a file on a PersistentVolumeClaim of the same namespace,
    /// mounted read-only with no download and no cache; s3://BUCKET/KEY (credentials from sourceSecretRef); file:///PATH
    /// or /PATH, a host file, only under the operator's --allowed-host-path-roots; or a bare ORG/REPO hub id, which the
    /// serving runtime fetches itself (set skipModelInit on the services). The model cache key is the first 16 hex
    /// characters of the SHA-256 of this exact string, as upstream, so changing it starts a new cache entry. ★ A URL
    /// with user:password@ credentials is refused at admission: put credentials in sourceSecretRef. ★ The file name
    /// taken from the last path segment must fit the cache volume (at most 220 bytes; the fetcher keeps its own files
    /// beside it), and the whole source at most 8192 characters.
    /// </summary>
    [Required]
    [RegularExpression(Patterns.ModelSource)]
    [MaxLength(8192)]
    [CelRule("!self.matches('" + Patterns.SourceWithUserInfo + "')",
        "spec.source must not carry credentials (user:password@host): put them in a Secret and name it in spec.sourceSecretRef (keys HF_TOKEN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")]
    [CelRule("!self.matches('" + Patterns.SourceFileNameTooLong + "')",
        "the file name taken from spec.source (its last path segment) does not fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    public string Source { get; set; } = "";

    /// <summary>
    /// Expected SHA-256 of the model file (64 hex characters; of files[0] for multi-file models). ★ The fetcher
    /// computes the digest while the bytes stream, for every source it downloads, and a mismatch deletes the download
    /// and fails the pod's model-downloader with reason IntegrityMismatch (upstream checks it only when the controller
    /// copies a local file). A cached file is reused only when it was verified against this digest.
    /// </summary>
    [RegularExpression(Patterns.Sha256)]
    public string? Sha256 { get; set; }

    /// <summary>
    /// A Secret in the Model's namespace; only these keys reach the model-downloader init container, each as an optional
    /// secretKeyRef (any other key stays out): HF_TOKEN (sent only to the Hugging Face hub, never to the CDN it redirects
    /// to), HF_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION,
    /// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_S3 (S3-compatible endpoints, path-style). A credential is sent only to the
    /// origin it belongs to. The operator never reads the Secret: the kubelet resolves it with the pod's rights.
    /// </summary>
    public V1LocalObjectReference? SourceSecretRef { get; set; }

    /// <summary>
    /// When a cached copy is downloaded again. IfNotPresent: a complete cached file is used as it is; the Model controller
    /// still reports upstream changes (condition SourceDrifted). OnChange: at every pod start the fetcher compares the
    /// source's validator (ETag, else Last-Modified) with the one recorded beside the file and downloads again when it
    /// changed; the new version replaces the old file atomically, and an unreachable source keeps the cached copy.
    /// </summary>
    [AllowedValues(RefreshPolicies.IfNotPresent, RefreshPolicies.OnChange)]
    [DefaultValue(RefreshPolicies.IfNotPresent)]
    public string? RefreshPolicy { get; set; }

    /// <summary>Upstream: download the model into the shared cache with a Job before any InferenceService uses it.</summary>
    [NotSupported("ignored: the first InferenceService that uses the Model fills the cache")]
    public bool? Prefetch { get; set; }

    /// <summary>Upstream: tolerations of the prefetch Job's pod.</summary>
    [NotSupported("ignored, because prefetch is not supported")]
    public IList<V1Toleration>? PrefetchTolerations { get; set; }

    /// <summary>
    /// The weights' file format. gguf is what llama.cpp serves; ★ an InferenceService whose Model has another format is
    /// not deployed and reports FieldNotSupported, because this operator implements the llamacpp runtime only.
    /// </summary>
    [AllowedValues(ModelFormats.Gguf, ModelFormats.Mlx, ModelFormats.Safetensors, ModelFormats.Pytorch, ModelFormats.Custom)]
    [DefaultValue(ModelFormats.Gguf)]
    public string? Format { get; set; }

    /// <summary>Free text naming the quantization (for example Q4_K_M), shown by the CLI; the operator does not use it.</summary>
    public string? Quantization { get; set; }

    /// <summary>The hardware the model is meant for: accelerator and GPUs. It decides the server image, GPU requests, tolerations and llama.cpp's GPU flags.</summary>
    public ModelHardware? Hardware { get; set; }

    /// <summary>Informational CPU and memory needs of the model; the pods' requests come from the InferenceService's resources.</summary>
    public ModelResources? Resources { get; set; }

    /// <summary>
    /// Multi-file models: repository-relative paths to stage from an hf://ORG/REPO[@REVISION] or s3://BUCKET/PREFIX
    /// source, subdirectories kept (for example the parts of a sharded GGUF). files[0] is the file the server loads.
    /// Paths must stay inside the repository: no leading /, no empty, . or .. segments, no backslashes, no control
    /// characters, no dot-name containing .llmkube (the fetcher's own files). At most 256 paths of at most 1024
    /// characters; each file name at most 220 bytes and each directory name at most 255, so the fetcher's files fit.
    /// </summary>
    [ItemPattern(Patterns.RelativeFilePath)]
    [MaxLength(256)]
    [ItemMaxLength(MaxFilePathLength)]
    [CelRule("self.all(f, size(bytes(f)) <= 220 || f.matches('" + Patterns.AsciiPathFitsNameMax + "'))",
        "every entry of spec.files must fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    [CelRule("self.all(f, !f.matches('" + Patterns.ReservedFileName + "'))",
        "spec.files must not name the fetcher's own files (a dot-name containing .llmkube: its lock, sidecars, partial downloads)")]
    public IList<string>? Files { get; set; }

    /// <summary>
    /// Multimodal projector: a repository-relative file staged beside the model (the source must be a hub repository or
    /// an s3 prefix, with files set) and passed to llama.cpp as --mmproj. The same path rules as files apply.
    /// </summary>
    [RegularExpression(Patterns.RelativeFilePath)]
    [MaxLength(MaxFilePathLength)]
    [CelRule("size(bytes(self)) <= 220 || self.matches('" + Patterns.AsciiPathFitsNameMax + "')",
        "spec.mmproj must fit the cache volume: " + Cache.CacheFileNames.Explanation)]
    [CelRule("!self.matches('" + Patterns.ReservedFileName + "')",
        "spec.mmproj must not name the fetcher's own files (a dot-name containing .llmkube: its lock, sidecars, partial downloads)")]
    public string? Mmproj { get; set; }
}

/// <summary>The hardware a model is meant for.</summary>
public sealed class ModelHardware
{
    /// <summary>
    /// The accelerator family. cpu and cuda are served with the operator's llama.cpp images (cuda selects the CUDA
    /// image); rocm, intel and vulkan need spec.image on the InferenceService; ★ metal is not supported (upstream runs
    /// Metal models through a macOS host agent, this operator only runs pods).
    /// </summary>
    [AllowedValues(Accelerators.Cpu, Accelerators.Metal, Accelerators.Cuda, Accelerators.Rocm, Accelerators.Intel, Accelerators.Vulkan)]
    [DefaultValue(Accelerators.Cpu)]
    public string? Accelerator { get; set; }

    /// <summary>GPU requirements: how many GPUs each pod requests, of which vendor or extended resource, and how the model is split across them.</summary>
    public GpuSpec? Gpu { get; set; }

    /// <summary>Upstream: the share of unified memory the macOS Metal agent may use (for example 16Gi).</summary>
    [NotSupported("ignored: used only by upstream's macOS Metal agent")]
    public string? MemoryBudget { get; set; }

    /// <summary>Upstream: the fraction of unified memory the macOS Metal agent may use (0 to 1).</summary>
    [NotSupported("ignored: used only by upstream's macOS Metal agent")]
    public double? MemoryFraction { get; set; }
}

/// <summary>GPU requirements of a model.</summary>
public sealed class GpuSpec
{
    /// <summary>
    /// Marks the model as GPU-accelerated, which selects the CUDA server image for NVIDIA. It requests no GPU by itself:
    /// set count (or the InferenceService's resources.gpu).
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// GPUs per pod, requested as a limit on the vendor's extended resource (or resourceName). It wins over the
    /// InferenceService's resources.gpu. Above 1, llama.cpp gets --split-mode and --tensor-split (see sharding). A pod
    /// with GPUs tolerates the taint tolerationKey=present:NoSchedule and its Deployment uses the Recreate strategy, so
    /// an old pod frees its GPUs before the new one starts.
    /// </summary>
    [Range(0, 8)]
    public int? Count { get; set; }

    /// <summary>Per-GPU memory hint (for example 24Gi); informational, the operator does not use it.</summary>
    public string? Memory { get; set; }

    /// <summary>
    /// The GPU vendor, which names the extended resource requested: nvidia.com/gpu, amd.com/gpu or gpu.intel.com/i915.
    /// amd and intel need spec.image on the InferenceService (the operator ships no image for them).
    /// </summary>
    [AllowedValues(GpuVendors.Nvidia, GpuVendors.Amd, GpuVendors.Intel)]
    [DefaultValue(GpuVendors.Nvidia)]
    public string? Vendor { get; set; }

    /// <summary>An extended resource name to request instead of the vendor's (for example nvidia.com/mig-1g.5gb or a generic device plugin's name).</summary>
    [RegularExpression(Patterns.ResourceName)]
    public string? ResourceName { get; set; }

    /// <summary>The taint key GPU pods tolerate (operator Equal, value present, effect NoSchedule). Defaults to the requested resource name.</summary>
    [RegularExpression(Patterns.ResourceName)]
    public string? TolerationKey { get; set; }

    /// <summary>AMD only: selects a Vulkan or ROCm llama.cpp image upstream; here spec.image on the InferenceService must name one.</summary>
    [AllowedValues(GpuRuntimes.Vulkan, GpuRuntimes.Rocm)]
    public string? Runtime { get; set; }

    /// <summary>llama.cpp's --n-gpu-layers when the pod has GPUs: how many layers are offloaded. -1 or unset offloads all (99).</summary>
    [Range(-1, int.MaxValue)]
    public int? Layers { get; set; }

    /// <summary>How a model is split across several GPUs of one pod.</summary>
    public GpuSharding? Sharding { get; set; }

    /// <summary>Upstream: Dynamic Resource Allocation claims for the pod (instead of an extended resource).</summary>
    [PreserveUnknownFields]
    [NotSupported("Dynamic Resource Allocation claims are not requested, so the pod would get no GPU", Blocking = true)]
    public IList<JsonElement>? ResourceClaims { get; set; }
}

/// <summary>How a model is split across several GPUs.</summary>
public sealed class GpuSharding
{
    /// <summary>llama.cpp's --split-mode with more than one GPU: layer (and pipeline) split by layers, tensor and row split rows, none uses one GPU.</summary>
    [AllowedValues(ShardingStrategies.Layer, ShardingStrategies.Tensor, ShardingStrategies.Row, ShardingStrategies.Pipeline, ShardingStrategies.None)]
    [DefaultValue(ShardingStrategies.Layer)]
    public string? Strategy { get; set; }

    /// <summary>
    /// Layer ranges per GPU such as ["0-19", "20-39"], turned into llama.cpp's --tensor-split ratios (reduced by their
    /// greatest common divisor). Unset, or not one range per GPU: equal shares.
    /// </summary>
    [ItemPattern(@"^[0-9]+-[0-9]+$")]
    public IList<string>? LayerSplit { get; set; }
}

/// <summary>Informational resource needs of a model.</summary>
public sealed class ModelResources
{
    /// <summary>CPU the model needs (a quantity such as 4 or 500m); informational, the InferenceService's resources.cpu is what pods request.</summary>
    [Quantity]
    public string? Cpu { get; set; }

    /// <summary>Memory the model needs (a quantity such as 8Gi); informational, the InferenceService's resources.memory is what pods request.</summary>
    [Quantity]
    public string? Memory { get; set; }
}
