using LlmKube.Api;

namespace LlmKube.Operator.Builders;

/// <summary>
/// Where one service's model lives and how it gets there: the answer of <see cref="ModelCacheDecision"/>,
/// shared by the reconciler, the builders, render and the CLI.
/// </summary>
public sealed record CachePlan
{
    /// <summary>One of <see cref="CacheVolumes"/>.</summary>
    public required string Volume { get; init; }

    /// <summary>The claim mounted for the model (cache claim, or the pvc:// source claim); null for emptyDir and none.</summary>
    public string? ClaimName { get; init; }

    /// <summary>The cache entry key; empty when the model is not cached.</summary>
    public required string CacheKey { get; init; }

    /// <summary>The path llama.cpp gets as --model; empty when the service skips model init.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Directory of the entry inside the pod (multi-file staging and --mmproj resolve against it).</summary>
    public string? EntryDirectory { get; init; }

    /// <summary>Why <c>spec.modelCache.claimName</c> is not used, when it is set but inactive.</summary>
    public string? IgnoredClaimReason { get; init; }

    public bool UsesCacheClaim => Volume is CacheVolumes.Shared or CacheVolumes.PerService or CacheVolumes.Claim;

    /// <summary>The operator creates (and for perService owns) this claim; a user's claim is only read.</summary>
    public bool OperatorProvisionsClaim => Volume is CacheVolumes.Shared or CacheVolumes.PerService;

    public bool UsesFetcher => Volume is CacheVolumes.Shared or CacheVolumes.PerService or CacheVolumes.Claim or CacheVolumes.Ephemeral;
}
