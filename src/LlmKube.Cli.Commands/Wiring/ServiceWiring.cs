using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Cli.Wiring;

/// <summary>Where a service's model lives: reported by the operator, or computed by the operator's own decision; unknown when neither can tell.</summary>
internal sealed record ServiceWiring(CachePlan? Plan, bool Reported, string? Note)
{
    /// <summary>The <c>status.modelCache.volume</c> word, or <c>unknown</c>.</summary>
    public string Volume => Plan?.ToStatus().Volume ?? "unknown";

    public string? ClaimName => Plan?.ClaimName;

    public string? CacheKey => Plan is { CacheKey.Length: > 0 } plan ? plan.CacheKey : null;

    public string? ModelPath => Plan is { ModelPath.Length: > 0 } plan ? plan.ModelPath : null;

    /// <summary>The model sits in a cache entry <c>&lt;cacheKey&gt;/</c> on a claim (shared, perService or the user's).</summary>
    public bool UsesCacheClaim => Plan?.Claim is not null;

    public static ServiceWiring Unknown(string note) => new(null, false, note);

    /// <summary>
    /// <c>status.modelCache</c> when the operator has reported the current generation; otherwise the same
    /// <see cref="ModelCacheDecision"/> the operator runs, with its published settings (its defaults when they are
    /// unknown) and the cache key the Model controller would record (<see cref="CacheKeys.WithRecordedKey"/>).
    /// </summary>
    public static ServiceWiring Resolve(InferenceService service, Model? model, OperatorConfig config)
    {
        ArgumentNullException.ThrowIfNull(service);
        var reported = CachePlan.FromStatus(service.Status?.ModelCache);
        var current = service.Status?.ObservedGeneration is { } observed && observed == service.Metadata.Generation;
        if (reported is not null && (current || model is null))
        {
            return new ServiceWiring(reported, true, current ? null : "reported for an older generation of the service");
        }

        if (model is null)
        {
            return Unknown($"Model {service.Spec.ModelRef} not found, and the operator has not reported the wiring");
        }

        ArgumentNullException.ThrowIfNull(config);
        var settings = config.Settings;
        var plan = ModelCacheDecision.Decide(CacheKeys.WithRecordedKey(model), service, settings);
        return new ServiceWiring(plan, false, config.Published is null
            ? $"computed: the operator has not reported it yet (assuming {settings.ModelCacheMode} cache mode)"
            : $"computed: the operator has not reported it yet (its {settings.ModelCacheMode} cache mode, published in {config.Location})");
    }

    /// <summary>One line for people: which volume, which claim, key and model path.</summary>
    public string Describe() => Plan?.Describe() ?? "unknown";
}
