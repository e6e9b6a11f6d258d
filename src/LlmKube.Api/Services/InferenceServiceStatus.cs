using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

public sealed class InferenceServiceStatus
{
    [AllowedValues(ServicePhases.Pending, ServicePhases.Creating, ServicePhases.Progressing, ServicePhases.Ready, ServicePhases.WaitingForGpu, ServicePhases.Stopped, ServicePhases.Suspended, ServicePhases.Failed)]
    public string? Phase { get; set; }

    public string? Mode { get; set; }

    public int? ReadyReplicas { get; set; }

    public int? DesiredReplicas { get; set; }

    /// <summary>★ The running (ready) count, which the scale subresource reports.</summary>
    public int? Replicas { get; set; }

    public string? Endpoint { get; set; }

    public bool? ModelReady { get; set; }

    /// <summary>★ Which volume the model really lives on.</summary>
    public ModelCacheStatus? ModelCache { get; set; }

    public string? SchedulingStatus { get; set; }

    public string? SchedulingMessage { get; set; }

    public string? WaitingFor { get; set; }

    public int? QueuePosition { get; set; }

    public int? EffectivePriority { get; set; }

    public DateTime? LastUpdated { get; set; }

    public long? ObservedGeneration { get; set; }

    [ListMapKeys("type")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class ModelCacheStatus
{
    [AllowedValues(CacheVolumes.Shared, CacheVolumes.PerService, CacheVolumes.UserClaim, CacheVolumes.Ephemeral, CacheVolumes.PvcSource, CacheVolumes.None)]
    public string? Volume { get; set; }

    public string? ClaimName { get; set; }

    public string? CacheKey { get; set; }

    public string? ModelPath { get; set; }
}
