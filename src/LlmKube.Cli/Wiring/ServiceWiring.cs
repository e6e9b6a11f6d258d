using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;

namespace LlmKube.Cli.Wiring;

/// <summary>Where a service's model lives: reported by the operator, or computed by the operator's own decision.</summary>
internal sealed record ServiceWiring(string Volume, string? ClaimName, string? CacheKey, string? ModelPath, bool Reported, string? Note)
{
    /// <summary>The model sits in a cache entry <c>&lt;cacheKey&gt;/</c> on a claim (shared, perService or the user's).</summary>
    public bool UsesCacheClaim => Volume is CacheVolumes.Shared or CacheVolumes.PerService or CacheVolumes.Claim && !string.IsNullOrEmpty(ClaimName) && !string.IsNullOrEmpty(CacheKey);

    public static ServiceWiring Unknown(string note) => new("unknown", null, null, null, false, note);

    /// <summary>
    /// <c>status.modelCache</c> when the operator has reported the current generation; otherwise the same
    /// <see cref="ModelCacheDecision"/> the operator runs, with the cache key the Model controller would record
    /// (<see cref="CacheKeys.ForSpec"/>) when it has not recorded one yet. The operator's cache mode is not visible
    /// from outside: perService is assumed when the service's owned <c>&lt;name&gt;-model-cache</c> claim exists.
    /// </summary>
    public static ServiceWiring Resolve(InferenceService service, Model? model, bool perServiceClaimExists)
    {
        ArgumentNullException.ThrowIfNull(service);
        var reported = service.Status?.ModelCache;
        var current = service.Status?.ObservedGeneration is { } observed && observed == service.Metadata.Generation;
        if (reported?.Volume is { Length: > 0 } volume && (current || model is null))
        {
            return new ServiceWiring(volume, reported.ClaimName, reported.CacheKey, reported.ModelPath, true,
                current ? null : "reported for an older generation of the service");
        }

        if (model is null)
        {
            return Unknown($"Model {service.Spec.ModelRef} not found, and the operator has not reported the wiring");
        }

        var mode = perServiceClaimExists ? CacheModes.PerService : CacheModes.Shared;
        var plan = ModelCacheDecision.Decide(WithRecordedKey(model), service, new OperatorOptions { ModelCacheMode = mode });
        return new ServiceWiring(plan.Volume, plan.ClaimName, plan.CacheKey.Length > 0 ? plan.CacheKey : null, plan.ModelPath.Length > 0 ? plan.ModelPath : null, false,
            $"computed: the operator has not reported it yet (assuming {mode} cache mode)");
    }

    /// <summary>True when <paramref name="claim"/> is the perService cache claim the operator created for <paramref name="service"/>.</summary>
    public static bool IsPerServiceClaimOf(V1PersistentVolumeClaim claim, InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(service);
        return claim.Metadata.Name == ModelCacheDecision.PerServiceClaimName(service.Metadata.Name)
            && claim.Metadata.NamespaceProperty == service.Metadata.NamespaceProperty
            && claim.Metadata.OwnerReferences?.Any(o => o.Kind == InferenceService.KindName && o.Uid == service.Metadata.Uid) == true;
    }

    /// <summary>The Model as the Model controller leaves it: with the cache key it records, when it has not run yet.</summary>
    public static Model WithRecordedKey(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!string.IsNullOrEmpty(model.Status?.CacheKey) || model.Status?.ObservedGeneration == model.Metadata.Generation && model.Status?.Phase is not null)
        {
            return model;
        }

        return new Model
        {
            Metadata = model.Metadata,
            Spec = model.Spec,
            Status = new ModelStatus { Phase = model.Status?.Phase, CacheKey = CacheKeys.ForSpec(model.Spec) is { Length: > 0 } key ? key : null },
        };
    }

    /// <summary>One line for people: which volume, which claim, key and model path.</summary>
    public string Describe() => Volume switch
    {
        CacheVolumes.Shared => $"shared claim {ClaimName}, key {CacheKey}, model {ModelPath}",
        CacheVolumes.PerService => $"perService claim {ClaimName} (owned by the service, deleted with it), key {CacheKey}, model {ModelPath}",
        CacheVolumes.Claim => $"your claim {ClaimName} (spec.modelCache.claimName), key {CacheKey}, model {ModelPath}",
        CacheVolumes.Ephemeral => $"emptyDir (downloaded again at every pod start), model {ModelPath}",
        CacheVolumes.PvcSource => $"pvc:// source claim {ClaimName} (read-only, no cache), model {ModelPath}",
        CacheVolumes.None => "no model volume (spec.skipModelInit)",
        _ => "unknown",
    };
}
