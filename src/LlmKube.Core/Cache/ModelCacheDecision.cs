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
    /// The claim a service keeps its cache on whenever it is cached: <c>spec.modelCache.claimName</c>, else
    /// <c>&lt;service&gt;-model-cache</c> in perService mode, else the namespace's shared claim.
    /// </summary>
    public static CacheClaim CacheClaimFor(InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        return service.Spec.ModelCache?.ClaimName is { Length: > 0 } claim ? new CacheClaim(CacheClaimKind.User, claim)
            : settings.IsPerService ? new CacheClaim(CacheClaimKind.PerService, PerServiceClaimName(service.Metadata.Name))
            : new CacheClaim(CacheClaimKind.Shared, SharedClaimName);
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
