using System.ComponentModel.DataAnnotations;
using k8s.Models;
using LlmKube.Api.Schema;

namespace LlmKube.Api.Services;

/// <summary>What the operator did for the service and what it observed: phase, replicas, endpoint, model cache wiring and conditions.</summary>
public sealed class InferenceServiceStatus
{
    /// <summary>
    /// Pending (the Model is not Ready yet), Creating (no ready replica yet), Progressing (rolling out), Ready (all
    /// wanted replicas ready), Stopped (replicas 0), Suspended (spec.suspend), Failed (see condition Degraded for the
    /// reason and the fix). WaitingForGPU is upstream's GPU queue, which this operator does not run.
    /// </summary>
    [AllowedValues(ServicePhases.Pending, ServicePhases.Creating, ServicePhases.Progressing, ServicePhases.Ready, ServicePhases.WaitingForGpu, ServicePhases.Stopped, ServicePhases.Suspended, ServicePhases.Failed)]
    public string? Phase { get; set; }

    /// <summary>Upstream: the resolved serving mode (chat, embedding or rerank). Kept for compatibility; this operator does not set it (spec.mode applies as given).</summary>
    public string? Mode { get; set; }

    /// <summary>Ready server pods, from the Deployment's status.</summary>
    public int? ReadyReplicas { get; set; }

    /// <summary>Server pods wanted: spec.replicas, or 0 while suspended.</summary>
    public int? DesiredReplicas { get; set; }

    /// <summary>
    /// ★ The running (ready) count, which the scale subresource reports as the current replicas (upstream reports the
    /// wanted count here, so kubectl scale and KEDA could not tell a rollout from a finished one).
    /// </summary>
    public int? Replicas { get; set; }

    /// <summary>The URL clients use inside the cluster: http://SERVICE.NAMESPACE.svc.cluster.local:PORT/PATH from spec.endpoint.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Whether the referenced Model is Ready.</summary>
    public bool? ModelReady { get; set; }

    /// <summary>
    /// ★ Which volume the model really lives on and where, so users and the CLI need not infer it from the
    /// operator's flags and the spec.
    /// </summary>
    public ModelCacheStatus? ModelCache { get; set; }

    /// <summary>Upstream: why a pod is not scheduled (InsufficientGPU, InsufficientResources, …). Kept for compatibility; this operator does not set it.</summary>
    public string? SchedulingStatus { get; set; }

    /// <summary>Upstream: the scheduler's message for schedulingStatus. Kept for compatibility; this operator does not set it.</summary>
    public string? SchedulingMessage { get; set; }

    /// <summary>Upstream: the resource a pending pod waits for, such as "nvidia.com/gpu: 2". Kept for compatibility; this operator does not set it.</summary>
    public string? WaitingFor { get; set; }

    /// <summary>Upstream: the 1-based position among services waiting for GPUs (0: not queued). Kept for compatibility; this operator does not set it.</summary>
    public int? QueuePosition { get; set; }

    /// <summary>Upstream: the numeric value of spec.priority. Kept for compatibility; this operator does not set it.</summary>
    public int? EffectivePriority { get; set; }

    /// <summary>When the operator last changed this status.</summary>
    public DateTime? LastUpdated { get; set; }

    /// <summary>The metadata.generation this status describes; older means the operator has not seen the latest spec yet.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>
    /// The latest observations, one per type: Available (ready replicas serve), Progressing, Degraded (a failure: the
    /// reason, and a message naming the object, the field and the fix), Suspended, ★ ModelCacheReady (whether the
    /// cache claim is usable: ClaimBound, ClaimPending, ClaimNotFound, ClaimIgnored, ClaimLost, ModelCacheNodeMismatch,
    /// NoClaimNeeded) and ModelTransferHealthy (the fetcher's last failure reason, from its termination message).
    /// </summary>
    [ListMapKeys("type")]
    public IList<V1Condition>? Conditions { get; set; }
}

/// <summary>★ Where a service's model lives.</summary>
public sealed class ModelCacheStatus
{
    /// <summary>
    /// The volume kind: shared (the namespace's llmkube-model-cache claim, created by the operator and never deleted),
    /// perService (the claim NAME-model-cache, owned by the service and deleted with it), claim (spec.modelCache.claimName),
    /// ephemeral (an emptyDir, downloaded at every pod start), pvcSource (the Model's pvc:// claim, mounted read-only),
    /// none (skipModelInit).
    /// </summary>
    [AllowedValues(CacheVolumes.Shared, CacheVolumes.PerService, CacheVolumes.UserClaim, CacheVolumes.Ephemeral, CacheVolumes.PvcSource, CacheVolumes.None)]
    public string? Volume { get; set; }

    /// <summary>The PersistentVolumeClaim mounted (shared, perService, claim and pvcSource volumes).</summary>
    public string? ClaimName { get; set; }

    /// <summary>The model's cache key: its entry is /models/CACHE_KEY/ on the volume.</summary>
    public string? CacheKey { get; set; }

    /// <summary>The model file the server loads (llama.cpp --model), as seen in the server container.</summary>
    public string? ModelPath { get; set; }
}
