namespace LlmKube.Api;

/// <summary>Condition types written by the operator (metav1.Condition shape, keyed by type).</summary>
public static class ConditionTypes
{
    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string Degraded = "Degraded";
    public const string SourceDrifted = "SourceDrifted";
    public const string Suspended = "Suspended";

    /// <summary>★ Whether the service's model cache claim is usable, or why none is used.</summary>
    public const string ModelCacheReady = "ModelCacheReady";

    /// <summary>Diagnosis of the fetcher init containers, from their termination messages.</summary>
    public const string ModelTransferHealthy = "ModelTransferHealthy";
}

/// <summary>Condition and event reasons.</summary>
public static class Reasons
{
    // Model
    public const string WorkloadResolved = "WorkloadResolved";
    public const string RuntimeResolved = "RuntimeResolved";
    public const string PvcModelReady = "PVCModelReady";
    public const string PvcNotFound = "PVCNotFound";
    public const string PvcNotBound = "PVCNotBound";
    public const string SourceNotAllowed = "SourceNotAllowed";
    public const string UpstreamChanged = "UpstreamChanged";
    public const string InSync = "InSync";
    public const string Superseded = "Superseded";

    // InferenceService
    public const string InferenceReady = "InferenceReady";
    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string NoReadyReplicas = "NoReadyReplicas";
    public const string Creating = "Creating";
    public const string Progressing = "Progressing";
    public const string Pending = "Pending";
    public const string ManuallyScaledToZero = "ManuallyScaledToZero";
    public const string Suspended = "Suspended";
    public const string NotSuspended = "NotSuspended";
    public const string AsExpected = "AsExpected";
    public const string ModelNotFound = "ModelNotFound";
    public const string ModelNotReady = "ModelNotReady";
    public const string ModelFailed = "ModelFailed";
    public const string ResourceConflict = "ResourceConflict";

    /// <summary>The API server refused to write a child for good (400, 403, 422): its message is in the condition.</summary>
    public const string ResourceRejected = "ResourceRejected";

    /// <summary>The spec asks for something the operator's workload policy does not allow (the message names the field and the flag).</summary>
    public const string PolicyViolation = "PolicyViolation";
    public const string ModelTransferSucceeded = "ModelTransferSucceeded";

    // Model cache (★ ModelCacheReady reasons and the events of the README's "Where the model lives")
    public const string ClaimBound = "ClaimBound";
    public const string ClaimPending = "ClaimPending";
    public const string ClaimNotFound = "ClaimNotFound";
    public const string ClaimIgnored = "ClaimIgnored";
    public const string ClaimLost = "ClaimLost";
    public const string ClaimTerminating = "ClaimTerminating";
    public const string NoClaimNeeded = "NoClaimNeeded";
    public const string ModelCachePvcNotFound = "ModelCachePVCNotFound";
    public const string ModelCacheClaimIgnored = "ModelCacheClaimIgnored";
    public const string ModelCacheNodeMismatch = "ModelCacheNodeMismatch";
    public const string ModelCacheClaimCreated = "ModelCacheClaimCreated";

    /// <summary>The Model's known size exceeds its cache claim's capacity: stopped before the download.</summary>
    public const string CacheTooSmall = "CacheTooSmall";

    /// <summary>A provisioned claim is growing to spec.modelCache.size (also the event when the operator asks for it).</summary>
    public const string ClaimResizing = "ClaimResizing";

    /// <summary>spec.modelCache.size asks for a smaller claim, or for growth its storage class cannot give.</summary>
    public const string ClaimResizeRefused = "ClaimResizeRefused";

    /// <summary>spec.modelCache.storageClassName differs from the existing provisioned claim's class, which cannot change.</summary>
    public const string ClaimClassMismatch = "ClaimClassMismatch";

    /// <summary>Event: a provisioned claim finished growing.</summary>
    public const string ModelCacheResized = "ModelCacheResized";
}
