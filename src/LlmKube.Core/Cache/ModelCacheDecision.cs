using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Builders;

/// <summary>
/// The model-cache decision of SYSTEM.md section 4, as one pure function. The mount decision and the
/// claim-provisioning decision are both read from its result, so they cannot disagree.
/// </summary>
public static class ModelCacheDecision
{
    public const string MountPath = "/models";
    public const string SourceMountPath = "/model-source";
    public const string SharedClaimName = "llmkube-model-cache";
    public const string PerServiceClaimSuffix = "-model-cache";

    public static string PerServiceClaimName(string serviceName) => serviceName + PerServiceClaimSuffix;

    public static CachePlan Decide(Model model, InferenceService service, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var userClaim = service.Spec.ModelCache?.ClaimName is { Length: > 0 } claim ? claim : null;

        if (service.Spec.SkipModelInit == true)
        {
            return new CachePlan
            {
                Volume = CacheVolumes.None,
                CacheKey = "",
                ModelPath = "",
                IgnoredClaimReason = Ignored(userClaim, "spec.skipModelInit is set, so no model volume is mounted: the image or the runtime brings the model"),
            };
        }

        var source = ModelSource.Parse(model.Spec.Source);
        if (source.Kind == SourceKind.Pvc)
        {
            return new CachePlan
            {
                Volume = CacheVolumes.PvcSource,
                ClaimName = source.Container,
                CacheKey = "",
                ModelPath = $"{SourceMountPath}/{source.Path}",
                EntryDirectory = SourceMountPath,
                IgnoredClaimReason = Ignored(userClaim, $"the source is a pre-staged pvc:// volume (claim {source.Container}), mounted read-only with no download and no cache"),
            };
        }

        var key = CacheKeys.Effective(model);
        var ephemeral = service.Spec.ModelCache?.Persistence == CachePersistence.Ephemeral;
        if (!options.ModelCacheEnabled || key.Length == 0 || ephemeral)
        {
            var reason = !options.ModelCacheEnabled
                ? "caching is disabled on the operator (--model-cache-enabled=false), so the model goes into an emptyDir and is downloaded again at every pod start"
                : key.Length == 0
                    ? "the Model has no cache key (yet), so the model goes into an emptyDir and is downloaded again at every pod start"
                    : null; // Ephemeral with a claim is rejected at admission.
            var directory = key.Length > 0 ? key : $"{service.Metadata.NamespaceProperty ?? "default"}-{model.Metadata.Name}";
            return new CachePlan
            {
                Volume = CacheVolumes.Ephemeral,
                CacheKey = key,
                ModelPath = ModelPathIn(directory, model.Spec),
                EntryDirectory = $"{MountPath}/{directory}",
                IgnoredClaimReason = reason is null ? null : Ignored(userClaim, reason),
            };
        }

        var (volume, claimName) = userClaim is not null
            ? (CacheVolumes.Claim, userClaim)
            : options.IsPerService
                ? (CacheVolumes.PerService, PerServiceClaimName(service.Metadata.Name))
                : (CacheVolumes.Shared, SharedClaimName);
        return new CachePlan
        {
            Volume = volume,
            ClaimName = claimName,
            CacheKey = key,
            ModelPath = ModelPathIn(key, model.Spec),
            EntryDirectory = $"{MountPath}/{key}",
        };
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
