using System.Text.Json;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

/// <summary>
/// Upstream fields accepted so existing manifests apply unchanged, but not acted on. Each setting is
/// reported (event <c>FieldNotSupported</c>, render warning) with the consequence stated here.
/// </summary>
public sealed partial class InferenceServiceSpec
{
    [PreserveUnknownFields]
    [NotSupported("ignored: no HorizontalPodAutoscaler is created; use spec.replicas or the scale subresource (KEDA)")]
    public JsonElement? Autoscaling { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: speculative decoding is not implemented")]
    public JsonElement? SpeculativeDecoding { get; set; }

    [NotSupported("ignored: only the generic runtime uses a command")]
    public IList<string>? Command { get; set; }

    [NotSupported("ignored: only the generic runtime uses args; use extraArgs for llama.cpp")]
    public IList<string>? Args { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: rollouts are not deferred while slots are busy")]
    public JsonElement? RolloutPolicy { get; set; }

    [NotSupported("ignored: pods are not recycled")]
    public long? MaxPodLifetimeSeconds { get; set; }

    [NotSupported("ignored: pods are not recycled")]
    public long? MaxPodLifetimeIdleTimeoutSeconds { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: no disruption annotations are set")]
    public JsonElement? Disruption { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? VllmConfig { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? TgiConfig { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? SglangConfig { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: only the llamacpp runtime is implemented")]
    public JsonElement? PersonaPlexConfig { get; set; }

    [NotSupported("ignored: oMLX (Metal) only")]
    public int? TurboQuantBits { get; set; }

    [NotSupported("ignored: oMLX (Metal) only")]
    public string? PagedSSDCacheDir { get; set; }

    [NotSupported("ignored: oMLX (Metal) only")]
    public string? HotCacheMaxSize { get; set; }

    [NotSupported("ignored: oMLX (Metal) only")]
    public string? PagedSSDCacheMaxSize { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: no SLO objects are created")]
    public JsonElement? Slo { get; set; }

    [PreserveUnknownFields]
    [NotSupported("ignored: Metal agent only")]
    public JsonElement? EvictionProtection { get; set; }
}
