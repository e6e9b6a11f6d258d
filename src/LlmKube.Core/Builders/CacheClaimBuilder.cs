using k8s.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>
/// The claims the operator creates: the shared per-namespace claim (no owner, never deleted), the perService
/// claim (owned by its service, always ReadWriteOnce) and the provisioned claim (owned by its service, made to its
/// spec.modelCache class, size and access mode). A user's claimName is never built here.
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
            CacheClaimKind.Provisioned => Provisioned(service, plan.Claim.Request!),
            CacheClaimKind.User or null => null,
        };
    }

    public static V1PersistentVolumeClaim Shared(string namespaceName, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Only the exact value ReadWriteMany selects RWX, as upstream; anything else is RWO.
        var accessMode = settings.ModelCacheAccessMode == ReadWriteMany ? ReadWriteMany : ReadWriteOnce;
        return Claim(ModelCacheDecision.SharedClaimName, namespaceName, new ClaimRequest(settings.ClaimStorageClass, settings.ModelCacheSize, accessMode), owner: null);
    }

    public static V1PersistentVolumeClaim PerService(InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Owned(service, new ClaimRequest(settings.ClaimStorageClass, settings.ModelCacheSize, ReadWriteOnce));
    }

    /// <summary>The claim made to the service's own class, size and access mode; owned and labelled like a perService claim.</summary>
    public static V1PersistentVolumeClaim Provisioned(InferenceService service, ClaimRequest request) => Owned(service, request);

    private static V1PersistentVolumeClaim Owned(InferenceService service, ClaimRequest request)
    {
        ArgumentNullException.ThrowIfNull(service);
        var claim = Claim(ModelCacheDecision.PerServiceClaimName(service.Metadata.Name), service.Metadata.NamespaceProperty ?? "default", request, ObjectLabels.ControllerReference(service));
        claim.Metadata.Labels[ObjectLabels.InferenceServiceLabel] = service.Metadata.Name;
        return claim;
    }

    private static V1PersistentVolumeClaim Claim(string name, string namespaceName, ClaimRequest request, V1OwnerReference? owner) => new()
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
            AccessModes = [request.AccessMode],
            StorageClassName = request.StorageClassName,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(request.Size) },
            },
        },
    };
}
