using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Models;

public sealed class ModelStatus
{
    [AllowedValues(ModelPhases.Pending, ModelPhases.Downloading, ModelPhases.Copying, ModelPhases.Ready, ModelPhases.Failed)]
    public string? Phase { get; set; }

    /// <summary>Human-readable size, base 1024 with one decimal ("4.6 GiB"), or "0" when unknown.</summary>
    public string? Size { get; set; }

    public string? Path { get; set; }

    /// <summary>16 hex characters naming the cache entry; see <see cref="Cache.CacheKeys"/>.</summary>
    public string? CacheKey { get; set; }

    public string? Sha256 { get; set; }

    public IList<string>? StagedFiles { get; set; }

    public string? SourceETag { get; set; }

    public long? SourceContentLength { get; set; }

    public DateTime? LastRevalidated { get; set; }

    public bool? AcceleratorReady { get; set; }

    public GgufMetadata? Gguf { get; set; }

    public DateTime? LastUpdated { get; set; }

    public long? ObservedGeneration { get; set; }

    [ListMapKeys("type")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class GgufMetadata
{
    public string? Architecture { get; set; }
    public string? ModelName { get; set; }
    public string? Quantization { get; set; }
    public long? ContextLength { get; set; }
    public long? EmbeddingSize { get; set; }
    public long? LayerCount { get; set; }
    public long? HeadCount { get; set; }
    public long? TensorCount { get; set; }
    public long? FileVersion { get; set; }
    public string? License { get; set; }
}
