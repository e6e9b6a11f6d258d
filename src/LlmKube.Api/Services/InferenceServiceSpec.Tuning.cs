using System.ComponentModel.DataAnnotations;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

// llama.cpp tuning knobs: each only adds server arguments. (The type is documented in InferenceServiceSpec.cs.)
public sealed partial class InferenceServiceSpec
{
    /// <summary>The context window in tokens (llama.cpp --ctx-size). Unset: llama.cpp's default.</summary>
    [Range(128, 2097152)]
    public int? ContextSize { get; set; }

    /// <summary>Requests served concurrently (llama.cpp --parallel); ignored when extraArgs has --parallel.</summary>
    [Range(1, 64)]
    public int? ParallelSlots { get; set; }

    /// <summary>True adds --flash-attn on, only when the pod has GPUs.</summary>
    public bool? FlashAttention { get; set; }

    /// <summary>True adds --jinja: the model's Jinja chat template formats the prompts (needed for tool calling).</summary>
    public bool? Jinja { get; set; }

    /// <summary>The data type of the KV cache's keys (--cache-type-k); cacheTypeCustomK wins. Unset: llama.cpp's default (f16).</summary>
    [AllowedValues(CacheTypes.F16, CacheTypes.F32, CacheTypes.Q8_0, CacheTypes.Q4_0, CacheTypes.Q4_1, CacheTypes.Q5_0, CacheTypes.Q5_1, CacheTypes.Iq4Nl)]
    public string? CacheTypeK { get; set; }

    /// <summary>The data type of the KV cache's values (--cache-type-v); cacheTypeCustomV wins. Unset: llama.cpp's default (f16).</summary>
    [AllowedValues(CacheTypes.F16, CacheTypes.F32, CacheTypes.Q8_0, CacheTypes.Q4_0, CacheTypes.Q4_1, CacheTypes.Q5_0, CacheTypes.Q5_1, CacheTypes.Iq4Nl)]
    public string? CacheTypeV { get; set; }

    /// <summary>Any --cache-type-k value, for types the enum of cacheTypeK does not list; wins over cacheTypeK.</summary>
    public string? CacheTypeCustomK { get; set; }

    /// <summary>Any --cache-type-v value, for types the enum of cacheTypeV does not list; wins over cacheTypeV.</summary>
    public string? CacheTypeCustomV { get; set; }

    /// <summary>True adds --cpu-moe: every mixture-of-experts weight stays in CPU memory.</summary>
    public bool? MoeCPUOffload { get; set; }

    /// <summary>Keeps the experts of the first N layers in CPU memory (--n-cpu-moe).</summary>
    [Range(0, int.MaxValue)]
    public int? MoeCPULayers { get; set; }

    /// <summary>True adds --no-kv-offload: the KV cache stays in CPU memory.</summary>
    public bool? NoKvOffload { get; set; }

    /// <summary>True adds --no-warmup: no empty run at start-up.</summary>
    public bool? NoWarmup { get; set; }

    /// <summary>The logical batch size in tokens (--batch-size).</summary>
    [Range(1, 16384)]
    public int? BatchSize { get; set; }

    /// <summary>The physical batch size in tokens (--ubatch-size).</summary>
    [Range(1, 16384)]
    public int? UBatchSize { get; set; }

    /// <summary>Tensor buffer overrides, one --override-tensor PATTERN=BUFFER_TYPE per entry (for example exps=CPU).</summary>
    public IList<string>? TensorOverrides { get; set; }

    /// <summary>Model metadata overrides, one --override-kv KEY=TYPE:VALUE per entry.</summary>
    public IList<string>? MetadataOverrides { get; set; }

    /// <summary>RoPE context extension (--rope-scaling, --rope-scale, --yarn-orig-ctx).</summary>
    public RopeScalingSpec? RopeScaling { get; set; }

    /// <summary>The thinking budget in tokens for reasoning models (--reasoning-budget); 0 disables thinking.</summary>
    [Range(0, int.MaxValue)]
    public int? ReasoningBudget { get; set; }

    /// <summary>The message inserted when the reasoning budget is exhausted (--reasoning-budget-message); used only with reasoningBudget.</summary>
    public string? ReasoningBudgetMessage { get; set; }
}

/// <summary>RoPE scaling, to extend the context beyond what the model was trained with.</summary>
public sealed class RopeScalingSpec
{
    /// <summary>The method (--rope-scaling).</summary>
    [Required]
    [AllowedValues(RopeScalingTypes.Linear, RopeScalingTypes.Yarn, RopeScalingTypes.LongRope)]
    public string Type { get; set; } = "";

    /// <summary>The scale factor as a decimal string, for example "4" or "2.5" (--rope-scale).</summary>
    [RegularExpression(@"^[0-9]+(\.[0-9]+)?$")]
    public string? Factor { get; set; }

    /// <summary>The context length in tokens the model was trained with (--yarn-orig-ctx).</summary>
    [Range(128, int.MaxValue)]
    public int? OriginalContext { get; set; }
}
