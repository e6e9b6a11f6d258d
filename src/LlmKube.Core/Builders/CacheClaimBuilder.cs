using k8s.Models;
using LlmKube.Api.Services;
using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Builders;

/// <summary>
/// The claims the operator creates: the shared per-namespace claim (no owner, never deleted) and the
/// perService claim (owned by its service, always ReadWriteOnce). A user's claimName is never built here.
/// </summary>
public static class CacheClaimBuilder
{
    public const string ReadWriteOnce = "ReadWriteOnce";
    public const string ReadWriteMany = "ReadWriteMany";

    public static V1PersistentVolumeClaim Shared(string namespaceName, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Only the exact value ReadWriteMany selects RWX, as upstream; anything else is RWO.
        var accessMode = options.ModelCacheAccessMode == ReadWriteMany ? ReadWriteMany : ReadWriteOnce;
        return Claim(ModelCacheDecision.SharedClaimName, namespaceName, accessMode, options, owner: null);
    }

    public static V1PersistentVolumeClaim PerService(InferenceService service, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var claim = Claim(ModelCacheDecision.PerServiceClaimName(service.Metadata.Name), service.Metadata.NamespaceProperty ?? "default", ReadWriteOnce, options, ObjectLabels.ControllerReference(service));
        claim.Metadata.Labels[ObjectLabels.ServiceLabel] = service.Metadata.Name;
        return claim;
    }

    private static V1PersistentVolumeClaim Claim(string name, string namespaceName, string accessMode, OperatorOptions options, V1OwnerReference? owner) => new()
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
            StorageClassName = options.ModelCacheStorageClass is { Length: > 0 } storageClass ? storageClass : null,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(options.ModelCacheSize) },
            },
        },
    };
}
