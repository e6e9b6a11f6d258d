using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Cache;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// ★ What an existing cache claim's size and class mean for the service (issue 17): a provisioned claim grows to
/// <c>spec.modelCache.size</c> when its class can expand, shrinking or a class change is refused in status (the
/// operator never deletes a claim), and any claim smaller than the Model's known size stops the service before the
/// download instead of an init container failing with OutOfSpace.
/// </summary>
/// <param name="ExpandTo">The request to patch the claim to; null when nothing is to change.</param>
/// <param name="Verdict">What ModelCacheReady says instead of the claim's phase; null when the phase says it all.</param>
/// <param name="StopsServing">The service must not start (the download cannot fit).</param>
public sealed record ClaimSizing(string? ExpandTo, ClaimHealth? Verdict, bool StopsServing)
{
    private static readonly ClaimSizing Fits = new(null, null, false);

    /// <summary>The provisioned claim is bound and asked to grow: only then does the reconciler read its StorageClass.</summary>
    public static bool GrowthAsked(CachePlan plan, V1PersistentVolumeClaim claim, string? serviceUid) =>
        Evaluate(plan, claim, new V1StorageClass { AllowVolumeExpansion = true }, null, serviceUid).ExpandTo is not null;

    /// <param name="serviceUid">The service's uid: only a claim it controls is ever grown (a same-named claim someone else made is not the operator's to change).</param>
    public static ClaimSizing Evaluate(CachePlan plan, V1PersistentVolumeClaim claim, V1StorageClass? storageClass, long? modelBytes, string? serviceUid)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(claim);
        var name = claim.Metadata?.Name ?? plan.ClaimName;
        var controlled = claim.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Uid == serviceUid) == true || claim.Metadata?.Uid is null;
        var sizing = plan.Claim?.Request is not { } request ? Fits
            : controlled ? Provisioned(name!, request, claim, storageClass)
            : new(null, new(ConditionStatus.False, Reasons.ClaimResizeRefused,
                $"PersistentVolumeClaim {name} is not controlled by this InferenceService (no controller reference to it), so the operator does not change its size or class; delete or rename that claim to have one provisioned"), false);
        var room = new[] { Capacity(claim), Requested(claim), sizing.ExpandTo is { } target ? Bytes(target) : null }.Max();
        if (modelBytes is > 0 && room is { } space && modelBytes > space)
        {
            var fix = plan.Claim?.Kind switch
            {
                CacheClaimKind.Provisioned => "raise spec.modelCache.size",
                CacheClaimKind.User => "use a larger claim in spec.modelCache.claimName",
                CacheClaimKind.PerService or CacheClaimKind.Shared => "set spec.modelCache.size to provision a larger claim for this service, or raise the operator's --model-cache-size for new claims",
                null => "use a larger cache",
            };
            return new(sizing.ExpandTo, new(ConditionStatus.False, Reasons.CacheTooSmall,
                $"the Model is {ByteSize.Format(modelBytes)} (status.size) but PersistentVolumeClaim {name} holds {ByteSize.Format((long)space)}: the download cannot fit, so none is started; {fix}"), true);
        }

        return sizing;
    }

    private static ClaimSizing Provisioned(string name, ClaimRequest request, V1PersistentVolumeClaim claim, V1StorageClass? storageClass)
    {
        var current = claim.Spec?.StorageClassName;
        if (request.StorageClassName is { } wanted && current is { Length: > 0 } && current != wanted)
        {
            return new(null, new(ConditionStatus.False, Reasons.ClaimClassMismatch,
                $"PersistentVolumeClaim {name} has storage class {current} but spec.modelCache.storageClassName asks for {wanted}, and a claim's class cannot change: " +
                $"delete the claim (kubectl delete pvc {name} -n {claim.Metadata?.NamespaceProperty}; the operator then provisions it anew and the model is downloaded again). " +
                "The operator never deletes it on its own; the service keeps using the existing claim meanwhile"), false);
        }

        var requested = Requested(claim);
        var target = Bytes(request.Size);
        var currentSize = claim.Spec?.Resources?.Requests?.TryGetValue("storage", out var q) == true ? q.ToString() : "?";
        if (target < requested)
        {
            return new(null, new(ConditionStatus.False, Reasons.ClaimResizeRefused,
                $"spec.modelCache.size {request.Size} is smaller than PersistentVolumeClaim {name} ({currentSize}): claims do not shrink. " +
                $"The claim keeps {currentSize}; to get a smaller one delete the claim (kubectl delete pvc {name} -n {claim.Metadata?.NamespaceProperty}) and the model is downloaded again"), false);
        }

        if (target > requested && claim.Status?.Phase == "Bound")
        {
            return storageClass?.AllowVolumeExpansion == true
                ? new(request.Size, new(ConditionStatus.True, Reasons.ClaimResizing,
                    $"expanding PersistentVolumeClaim {name} from {currentSize} to {request.Size} (spec.modelCache.size); storage class {storageClass.Metadata?.Name} allows volume expansion"), false)
                : new(null, new(ConditionStatus.False, Reasons.ClaimResizeRefused,
                    $"spec.modelCache.size {request.Size} is larger than PersistentVolumeClaim {name} ({currentSize}), but storage class {claim.Spec?.StorageClassName ?? "(none)"} " +
                    $"{(storageClass is null ? "was not found" : "does not allow volume expansion (allowVolumeExpansion is not true)")}: the claim keeps {currentSize}; " +
                    "use a class that can expand, or delete the claim to have it provisioned at the new size (the model is downloaded again)"), false);
        }

        if (Capacity(claim) is { } capacity && requested is { } asked && capacity < asked)
        {
            var pending = claim.Status?.Conditions?.Any(c => c.Type == "FileSystemResizePending" && c.Status == "True") == true;
            var capacityText = claim.Status!.Capacity!["storage"].ToString();
            return new(null, new(ConditionStatus.True, Reasons.ClaimResizing, pending
                ? $"PersistentVolumeClaim {name}: the volume has grown to {currentSize}; the file system grows when a pod next mounts it (FileSystemResizePending); capacity {capacityText} until then"
                : $"PersistentVolumeClaim {name} is expanding from {capacityText} to {currentSize}; waiting for the storage provider"), false);
        }

        return Fits;
    }

    private static decimal? Requested(V1PersistentVolumeClaim claim) =>
        claim.Spec?.Resources?.Requests?.TryGetValue("storage", out var q) == true ? Bytes(q) : null;

    private static decimal? Capacity(V1PersistentVolumeClaim claim) =>
        claim.Status?.Capacity?.TryGetValue("storage", out var q) == true ? Bytes(q) : null;

    private static decimal? Bytes(string size) => Bytes(new ResourceQuantity(size));

    private static decimal? Bytes(ResourceQuantity quantity)
    {
        try
        {
            return quantity.ToDecimal();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }
}
