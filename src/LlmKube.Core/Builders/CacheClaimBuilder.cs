using k8s.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>
/// The claims the operator creates: the shared per-namespace claim (no owner, never deleted) and the
/// perService claim (owned by its service, always ReadWriteOnce). A user's claimName is never built here.
/// </summary>
public static class CacheClaimBuilder
{
    public const string ReadWriteOnce = "ReadWriteOnce";
    public const string ReadWriteMany = "ReadWriteMany";

    /// <summary>The claim the operator provisions for <paramref name="plan"/>; null when the plan uses none or the user's.</summary>
    public static V1PersistentVolumeClaim? ForPlan(CachePlan plan, InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(service);
        return plan.Claim?.Kind switch
        {
            CacheClaimKind.Shared => Shared(service.Metadata.NamespaceProperty ?? "default", settings),
            CacheClaimKind.PerService => PerService(service, settings),
            CacheClaimKind.User or null => null,
        };
    }

    public static V1PersistentVolumeClaim Shared(string namespaceName, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Only the exact value ReadWriteMany selects RWX, as upstream; anything else is RWO.
        var accessMode = settings.ModelCacheAccessMode == ReadWriteMany ? ReadWriteMany : ReadWriteOnce;
        return Claim(ModelCacheDecision.SharedClaimName, namespaceName, accessMode, settings, owner: null);
    }

    public static V1PersistentVolumeClaim PerService(InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        var claim = Claim(ModelCacheDecision.PerServiceClaimName(service.Metadata.Name), service.Metadata.NamespaceProperty ?? "default", ReadWriteOnce, settings, ObjectLabels.ControllerReference(service));
        claim.Metadata.Labels[ObjectLabels.InferenceServiceLabel] = service.Metadata.Name;
        return claim;
    }

    private static V1PersistentVolumeClaim Claim(string name, string namespaceName, string accessMode, WorkloadSettings settings, V1OwnerReference? owner) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = namespaceName,
            Labels = ObjectLabels.ForCacheClaim(),
            OwnerReferences = owner is null ? null : [owner],
        },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = [accessMode],
            StorageClassName = settings.ModelCacheStorageClass is { Length: > 0 } storageClass ? storageClass : null,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(settings.ModelCacheSize) },
            },
        },
    };
}
