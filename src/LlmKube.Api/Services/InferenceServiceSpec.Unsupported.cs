using System.Text.Json;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

// Upstream fields accepted so existing manifests apply unchanged, but not acted on. Each setting is reported (event
// FieldNotSupported, render warning) with the consequence its NotSupported attribute states, which the CRD description
// repeats. (The type is documented in InferenceServiceSpec.cs.)
public sealed partial class InferenceServiceSpec
{
    /// <summary>Upstream: a HorizontalPodAutoscaler on the Deployment (minReplicas, maxReplicas, metrics).</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: no HorizontalPodAutoscaler is created; use spec.replicas or the scale subresource (KEDA)")]
    public JsonElement? Autoscaling { get; set; }

    /// <summary>Upstream: speculative decoding with a draft model.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: speculative decoding is not implemented")]
    public JsonElement? SpeculativeDecoding { get; set; }

    /// <summary>Upstream: the container command of the generic runtime.</summary>
    [NotSupported("ignored: only the generic runtime uses a command")]
    public IList<string>? Command { get; set; }

    /// <summary>Upstream: the container arguments of the generic runtime.</summary>
    [NotSupported("ignored: only the generic runtime uses args; use extraArgs for llama.cpp")]
    public IList<string>? Args { get; set; }

    /// <summary>Upstream: defer rollouts until the server's slots are idle (waitForIdle, idleTimeoutSeconds, force).</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: rollouts are not deferred while slots are busy")]
    public JsonElement? RolloutPolicy { get; set; }

    /// <summary>Upstream: evict pods older than this many seconds.</summary>
    [NotSupported("ignored: pods are not recycled")]
    public long? MaxPodLifetimeSeconds { get; set; }

    /// <summary>Upstream: how long an old pod may wait for idle slots before it is evicted anyway, in seconds.</summary>
    [NotSupported("ignored: pods are not recycled")]
    public long? MaxPodLifetimeIdleTimeoutSeconds { get; set; }

    /// <summary>Upstream: put karpenter.sh/do-not-disrupt on the pods while the service is not Ready (protectStartup, protectAlways).</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: no disruption annotations are set")]
    public JsonElement? Disruption { get; set; }

    /// <summary>Upstream: settings of the vllm runtime.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? VllmConfig { get; set; }

    /// <summary>Upstream: settings of the tgi runtime.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? TgiConfig { get; set; }

    /// <summary>Upstream: settings of the sglang runtime.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? SglangConfig { get; set; }

    /// <summary>Upstream: settings of the personaplex runtime.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? PersonaPlexConfig { get; set; }

    /// <summary>Upstream (oMLX on Metal): KV cache quantization bits.</summary>
    [NotSupported("ignored: oMLX (Metal) only")]
    public int? TurboQuantBits { get; set; }

    /// <summary>Upstream (oMLX on Metal): the directory of the paged SSD KV cache.</summary>
    [NotSupported("ignored: oMLX (Metal) only")]
    public string? PagedSSDCacheDir { get; set; }

    /// <summary>Upstream (oMLX on Metal): the size of the in-memory KV cache.</summary>
    [NotSupported("ignored: oMLX (Metal) only")]
    public string? HotCacheMaxSize { get; set; }

    /// <summary>Upstream (oMLX on Metal): the size of the paged SSD KV cache.</summary>
    [NotSupported("ignored: oMLX (Metal) only")]
    public string? PagedSSDCacheMaxSize { get; set; }

    /// <summary>Upstream: service level objectives turned into Pyrra SLO objects.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: no SLO objects are created")]
    public JsonElement? Slo { get; set; }

    /// <summary>Upstream (Metal agent): protection of the model from eviction.</summary>
    [PreserveUnknownFields]
    [NotSupported("ignored: Metal agent only")]
    public JsonElement? EvictionProtection { get; set; }
}
