using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;

namespace LlmKube.Core.Cache;

/// <summary>
/// The model-cache decision (README "Where the model lives"), as one pure function. The mount, the claim the operator
/// provisions, the claims whose events wake a service and the wording in status and the CLI are all read from it, so
/// they cannot disagree.
/// </summary>
public static class ModelCacheDecision
{
    public const string MountPath = "/models";
    public const string SourceMountPath = "/model-source";
    public const string SharedClaimName = "llmkube-model-cache";
    public const string PerServiceClaimSuffix = "-model-cache";

    public static string PerServiceClaimName(string serviceName) => serviceName + PerServiceClaimSuffix;

    /// <summary>
    /// The claim a service keeps its cache on whenever it is cached: <c>spec.modelCache.claimName</c>, else a claim
    /// provisioned for it when it sets storageClassName, size or accessMode, else <c>&lt;service&gt;-model-cache</c> in
    /// perService mode, else the namespace's shared claim.
    /// </summary>
    public static CacheClaim CacheClaimFor(InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        var spec = service.Spec.ModelCache;
        return spec?.ClaimName is { Length: > 0 } claim ? CacheClaim.User(claim)
            : ProvisionedRequest(spec, settings) is { } request ? CacheClaim.Provisioned(PerServiceClaimName(service.Metadata.Name), request)
            : settings.IsPerService ? CacheClaim.PerService(PerServiceClaimName(service.Metadata.Name))
            : CacheClaim.Shared(SharedClaimName);
    }

    /// <summary>
    /// What the service asks of a claim of its own: any of storageClassName, size or accessMode set, the others from
    /// the operator's flags (ReadWriteOnce: the operator's access mode is for the shared claim). Null when none is set.
    /// </summary>
    public static ClaimRequest? ProvisionedRequest(ModelCacheSpec? spec, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (spec is null || spec.StorageClassName is not { Length: > 0 } && spec.Size is not { Length: > 0 } && spec.AccessMode is not { Length: > 0 })
        {
            return null;
        }

        return new ClaimRequest(
            spec.StorageClassName is { Length: > 0 } storageClass ? storageClass : settings.ClaimStorageClass,
            spec.Size is { Length: > 0 } size ? size : settings.ModelCacheSize,
            spec.AccessMode is { Length: > 0 } mode ? mode : CacheAccessModes.ReadWriteOnce);
    }

    /// <summary>
    /// The claims (in the service's namespace) whose creation, binding or loss must wake the service: the PVC watch
    /// indexes services by these. Known from the service alone, because the index cannot read the Model.
    /// </summary>
    public static IEnumerable<string> ClaimsDependedOn(InferenceService service, WorkloadSettings settings) =>
        [CacheClaimFor(service, settings).Name];

    public static CachePlan Decide(Model model, InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        var userClaim = service.Spec.ModelCache?.ClaimName is { Length: > 0 } claim ? claim : null;

        if (service.Spec.SkipModelInit == true)
        {
            return CachePlan.NoVolume() with
            {
                IgnoredClaimReason = Ignored(userClaim, "spec.skipModelInit is set, so no model volume is mounted: the image or the runtime brings the model"),
            };
        }

        var source = ModelSource.Parse(model.Spec.Source);
        if (source.Kind == SourceKind.Pvc)
        {
            return CachePlan.FromPvcSource(source.Container!, $"{SourceMountPath}/{source.Path}", SourceMountPath) with
            {
                IgnoredClaimReason = Ignored(userClaim, $"the source is a pre-staged pvc:// volume (claim {source.Container}), mounted read-only with no download and no cache"),
            };
        }

        var key = CacheKeys.Effective(model);
        var ephemeral = service.Spec.ModelCache?.Persistence == CachePersistence.Ephemeral;
        if (!settings.ModelCacheEnabled || key.Length == 0 || ephemeral)
        {
            var reason = !settings.ModelCacheEnabled
                ? "caching is disabled on the operator (--model-cache-enabled=false), so the model goes into an emptyDir and is downloaded again at every pod start"
                : key.Length == 0
                    ? "the Model has no cache key (yet), so the model goes into an emptyDir and is downloaded again at every pod start"
                    : null; // Ephemeral with a claim is rejected at admission.
            var directory = key.Length > 0 ? key : $"{service.Metadata.NamespaceProperty ?? "default"}-{model.Metadata.Name}";
            return CachePlan.InEmptyDir(key, ModelPathIn(directory, model.Spec), $"{MountPath}/{directory}") with
            {
                IgnoredClaimReason = reason is null ? null : Ignored(userClaim, reason),
            };
        }

        return CachePlan.OnClaim(CacheClaimFor(service, settings), key, ModelPathIn(key, model.Spec), $"{MountPath}/{key}");
    }

    /// <summary>Single file: the file name from the source; multi-file: files[0], subdirectories kept.</summary>
    private static string ModelPathIn(string directory, ModelSpec spec)
    {
        var file = spec.Files is { Count: > 0 } files ? files[0] : ModelFileName.FromSource(spec.Source);
        return $"{MountPath}/{directory}/{file}";
    }

    private static string? Ignored(string? userClaim, string reason) =>
        userClaim is null ? null : $"spec.modelCache.claimName {userClaim} is ignored: {reason}";
}
