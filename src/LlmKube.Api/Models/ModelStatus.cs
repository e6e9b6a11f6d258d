using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Models;

/// <summary>What the Model controller observed: the phase, the cache key, the source's fingerprint and the conditions.</summary>
public sealed class ModelStatus
{
    /// <summary>
    /// Pending (waiting, for example for a pvc:// claim to bind), Ready (servable: remote sources are Ready at once,
    /// because the serving pods' fetcher downloads them), Failed (see condition Degraded). Downloading and Copying are
    /// upstream's phases for controller-side copies, which this operator does not make.
    /// </summary>
    [AllowedValues(ModelPhases.Pending, ModelPhases.Downloading, ModelPhases.Copying, ModelPhases.Ready, ModelPhases.Failed)]
    public string? Phase { get; set; }

    /// <summary>The source's size from its last probe, human-readable in base 1024 with one decimal ("4.6 GiB"); "0" when the probe told none.</summary>
    public string? Size { get; set; }

    /// <summary>Where the file is in the serving container for a pvc:// source (/model-source/PATH); empty for sources the fetcher downloads.</summary>
    public string? Path { get; set; }

    /// <summary>
    /// The 16 lowercase hex characters naming the model's cache entry, /models/CACHE_KEY/ on the cache volume: the first
    /// 16 of the SHA-256 of spec.source, as upstream. Empty for a bare hub repository id (its runtime fetches it) and an invalid source.
    /// </summary>
    public string? CacheKey { get; set; }

    /// <summary>Upstream: the SHA-256 the controller computed while copying a local file. Kept for compatibility; this operator does not set it (the fetcher verifies spec.sha256).</summary>
    public string? Sha256 { get; set; }

    /// <summary>Upstream: the resolved file list of a multi-file model. Kept for compatibility; this operator does not set it.</summary>
    public IList<string>? StagedFiles { get; set; }

    /// <summary>The source's ETag at the last successful probe, the baseline for drift detection (condition SourceDrifted).</summary>
    public string? SourceETag { get; set; }

    /// <summary>The source's size in bytes at the last successful probe, compared when it has no ETag.</summary>
    public long? SourceContentLength { get; set; }

    /// <summary>When the source was last probed for changes; probes run at most once per the operator's --revalidate-interval (default 1h).</summary>
    public DateTime? LastRevalidated { get; set; }

    /// <summary>Upstream: whether a node offers the accelerator the model needs. Kept for compatibility; this operator does not set it.</summary>
    public bool? AcceleratorReady { get; set; }

    /// <summary>Upstream: metadata read from the GGUF header. Kept for compatibility; this operator does not set it.</summary>
    public GgufMetadata? Gguf { get; set; }

    /// <summary>When the controller last changed this status.</summary>
    public DateTime? LastUpdated { get; set; }

    /// <summary>The metadata.generation this status describes; older means the controller has not seen the latest spec yet.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>
    /// The latest observations, one per type: Available (servable), Progressing, Degraded (a failure, with a reason such
    /// as InvalidSource, SourceNotAllowed or PVCNotFound and a message naming the field and the fix) and SourceDrifted
    /// (the upstream file changed since the baseline: UpstreamChanged, else InSync).
    /// </summary>
    [ListMapKeys("type")]
    public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>Metadata from a GGUF file's header (upstream fills it; kept for compatibility).</summary>
public sealed class GgufMetadata
{
    /// <summary>general.architecture, for example llama.</summary>
    public string? Architecture { get; set; }

    /// <summary>general.name.</summary>
    public string? ModelName { get; set; }

    /// <summary>The quantization named by general.file_type, for example Q4_K_M.</summary>
    public string? Quantization { get; set; }

    /// <summary>The context length the model was trained with, in tokens.</summary>
    public long? ContextLength { get; set; }

    /// <summary>The embedding width.</summary>
    public long? EmbeddingSize { get; set; }

    /// <summary>The number of transformer blocks (layers).</summary>
    public long? LayerCount { get; set; }

    /// <summary>The number of attention heads.</summary>
    public long? HeadCount { get; set; }

    /// <summary>The number of tensors in the file.</summary>
    public long? TensorCount { get; set; }

    /// <summary>The GGUF format version.</summary>
    public long? FileVersion { get; set; }

    /// <summary>general.license.</summary>
    public string? License { get; set; }
}
