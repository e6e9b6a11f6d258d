using System.ComponentModel.DataAnnotations;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

/// <summary>llama.cpp tuning knobs: each only adds server arguments.</summary>
public sealed partial class InferenceServiceSpec
{
    [Range(128, 2097152)]
    public int? ContextSize { get; set; }

    [Range(1, 64)]
    public int? ParallelSlots { get; set; }

    public bool? FlashAttention { get; set; }

    public bool? Jinja { get; set; }

    [AllowedValues(CacheTypes.F16, CacheTypes.F32, CacheTypes.Q8_0, CacheTypes.Q4_0, CacheTypes.Q4_1, CacheTypes.Q5_0, CacheTypes.Q5_1, CacheTypes.Iq4Nl)]
    public string? CacheTypeK { get; set; }

    [AllowedValues(CacheTypes.F16, CacheTypes.F32, CacheTypes.Q8_0, CacheTypes.Q4_0, CacheTypes.Q4_1, CacheTypes.Q5_0, CacheTypes.Q5_1, CacheTypes.Iq4Nl)]
    public string? CacheTypeV { get; set; }

    public string? CacheTypeCustomK { get; set; }

    public string? CacheTypeCustomV { get; set; }

    public bool? MoeCPUOffload { get; set; }

    [Range(0, int.MaxValue)]
    public int? MoeCPULayers { get; set; }

    public bool? NoKvOffload { get; set; }

    public bool? NoWarmup { get; set; }

    [Range(1, 16384)]
    public int? BatchSize { get; set; }

    [Range(1, 16384)]
    public int? UBatchSize { get; set; }

    public IList<string>? TensorOverrides { get; set; }

    public IList<string>? MetadataOverrides { get; set; }

    public RopeScalingSpec? RopeScaling { get; set; }

    [Range(0, int.MaxValue)]
    public int? ReasoningBudget { get; set; }

    public string? ReasoningBudgetMessage { get; set; }
}

public sealed class RopeScalingSpec
{
    [Required]
    [AllowedValues(RopeScalingTypes.Linear, RopeScalingTypes.Yarn, RopeScalingTypes.LongRope)]
    public string Type { get; set; } = "";

    [RegularExpression(@"^[0-9]+(\.[0-9]+)?$")]
    public string? Factor { get; set; }

    [Range(128, int.MaxValue)]
    public int? OriginalContext { get; set; }
}
