using LlmKube.Api;
using LlmKube.Api.Services;

namespace LlmKube.Core.Cache;

/// <summary>Whose claim holds a service's cache entry. A new kind is a compile error at every decision that must handle it.</summary>
public enum CacheClaimKind
{
    /// <summary><c>llmkube-model-cache</c>, created by the operator in each namespace, never deleted.</summary>
    Shared,

    /// <summary><c>&lt;service&gt;-model-cache</c>, created by the operator and owned by the service.</summary>
    PerService,

    /// <summary>The user's own <c>spec.modelCache.claimName</c>: read, never written.</summary>
    User,
}

/// <summary>What the model is mounted from.</summary>
public enum ModelVolumeKind
{
    /// <summary>A cache claim (<see cref="CacheClaimKind"/>): fetched once into <c>&lt;cacheKey&gt;/</c>.</summary>
    CacheClaim,

    /// <summary>An emptyDir: fetched at every pod start.</summary>
    EmptyDir,

    /// <summary>The Model's own <c>pvc://</c> claim, read-only: nothing is fetched.</summary>
    PvcSource,

    /// <summary>Nothing (<c>spec.skipModelInit</c>): the image or the runtime brings the model.</summary>
    None,
}

/// <summary>The claim a cached service keeps its model on.</summary>
public sealed record CacheClaim(CacheClaimKind Kind, string Name)
{
    /// <summary>The operator creates this claim (and owns it when perService); a user's claim is only read.</summary>
    public bool OperatorProvisions => Kind switch
    {
        CacheClaimKind.Shared or CacheClaimKind.PerService => true,
        CacheClaimKind.User => false,
    };
}

/// <summary>
/// Where one service's model lives and how it gets there: the answer of <see cref="ModelCacheDecision.Decide"/>,
/// shared by the reconciler, the builders, render and the CLI. Built only through its factories, so a plan on a
/// cache claim always names the claim and the key, and a plan without a volume has no path.
/// </summary>
public sealed record CachePlan
{
    private CachePlan(ModelVolumeKind volume, CacheClaim? claim, string? sourceClaim, string cacheKey, string modelPath, string? entryDirectory)
    {
        Volume = volume;
        Claim = claim;
        SourceClaim = sourceClaim;
        CacheKey = cacheKey;
        ModelPath = modelPath;
        EntryDirectory = entryDirectory;
    }

    public ModelVolumeKind Volume { get; }

    /// <summary>The cache claim; set exactly when <see cref="Volume"/> is <see cref="ModelVolumeKind.CacheClaim"/>.</summary>
    public CacheClaim? Claim { get; }

    /// <summary>The Model's <c>pvc://</c> claim; set exactly when <see cref="Volume"/> is <see cref="ModelVolumeKind.PvcSource"/>.</summary>
    public string? SourceClaim { get; }

    /// <summary>The cache entry key; empty when the model is not cached.</summary>
    public string CacheKey { get; }

    /// <summary>The path llama.cpp gets as --model; empty when the service skips model init.</summary>
    public string ModelPath { get; }

    /// <summary>Directory of the entry inside the pod (multi-file staging and --mmproj resolve against it).</summary>
    public string? EntryDirectory { get; }

    /// <summary>Why <c>spec.modelCache.claimName</c> is not used, when it is set but inactive.</summary>
    public string? IgnoredClaimReason { get; init; }

    /// <summary>The claim mounted for the model: the cache claim or the pvc:// source claim; null otherwise.</summary>
    public string? ClaimName => Claim?.Name ?? SourceClaim;

    /// <summary>The model is fetched by the init containers (into a cache claim or an emptyDir).</summary>
    public bool UsesFetcher => Volume switch
    {
        ModelVolumeKind.CacheClaim or ModelVolumeKind.EmptyDir => true,
        ModelVolumeKind.PvcSource or ModelVolumeKind.None => false,
    };

    public static CachePlan OnClaim(CacheClaim claim, string cacheKey, string modelPath, string entryDirectory)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrEmpty(cacheKey);
        return new(ModelVolumeKind.CacheClaim, claim, null, cacheKey, modelPath, entryDirectory);
    }

    /// <param name="cacheKey">The key when the model has one (the directory is named after it), else empty.</param>
    public static CachePlan InEmptyDir(string cacheKey, string modelPath, string entryDirectory) =>
        new(ModelVolumeKind.EmptyDir, null, null, cacheKey, modelPath, entryDirectory);

    public static CachePlan FromPvcSource(string claimName, string modelPath, string entryDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(claimName);
        return new(ModelVolumeKind.PvcSource, null, claimName, "", modelPath, entryDirectory);
    }

    public static CachePlan NoVolume() => new(ModelVolumeKind.None, null, null, "", "", null);

    /// <summary>★ <c>status.modelCache</c>: which volume the model really uses, for users and the CLI.</summary>
    public ModelCacheStatus ToStatus() => new()
    {
        Volume = Volume switch
        {
            ModelVolumeKind.CacheClaim => Claim!.Kind switch
            {
                CacheClaimKind.Shared => CacheVolumes.Shared,
                CacheClaimKind.PerService => CacheVolumes.PerService,
                CacheClaimKind.User => CacheVolumes.UserClaim,
            },
            ModelVolumeKind.EmptyDir => CacheVolumes.Ephemeral,
            ModelVolumeKind.PvcSource => CacheVolumes.PvcSource,
            ModelVolumeKind.None => CacheVolumes.None,
        },
        ClaimName = ClaimName,
        CacheKey = CacheKey.Length > 0 ? CacheKey : null,
        ModelPath = ModelPath.Length > 0 ? ModelPath : null,
    };

    /// <summary>The plan an operator reported in <c>status.modelCache</c>; null when the report is incomplete or from a newer operator.</summary>
    public static CachePlan? FromStatus(ModelCacheStatus? status)
    {
        var claim = status?.ClaimName;
        var key = status?.CacheKey ?? "";
        var path = status?.ModelPath ?? "";
        CacheClaim? Cache(CacheClaimKind kind) => claim is { Length: > 0 } && key.Length > 0 ? new CacheClaim(kind, claim) : null;
        return status?.Volume switch
        {
            CacheVolumes.Shared => Cache(CacheClaimKind.Shared) is { } c ? OnClaim(c, key, path, "") : null,
            CacheVolumes.PerService => Cache(CacheClaimKind.PerService) is { } c ? OnClaim(c, key, path, "") : null,
            CacheVolumes.UserClaim => Cache(CacheClaimKind.User) is { } c ? OnClaim(c, key, path, "") : null,
            CacheVolumes.Ephemeral => InEmptyDir(key, path, ""),
            CacheVolumes.PvcSource when claim is { Length: > 0 } => FromPvcSource(claim, path, ""),
            CacheVolumes.None => NoVolume(),
            _ => null,
        };
    }

    /// <summary>One line for people (status, list, deploy, render, sandbox up): which volume, claim, key and model path.</summary>
    public string Describe() => Volume switch
    {
        ModelVolumeKind.CacheClaim => Claim!.Kind switch
        {
            CacheClaimKind.Shared => $"shared claim {Claim.Name}, key {CacheKey}, model {ModelPath}",
            CacheClaimKind.PerService => $"perService claim {Claim.Name} (owned by the service, deleted with it), key {CacheKey}, model {ModelPath}",
            CacheClaimKind.User => $"your claim {Claim.Name} (spec.modelCache.claimName), key {CacheKey}, model {ModelPath}",
        },
        ModelVolumeKind.EmptyDir => $"emptyDir (downloaded again at every pod start), model {ModelPath}",
        ModelVolumeKind.PvcSource => $"pvc:// source claim {SourceClaim} (read-only, no cache), model {ModelPath}",
        ModelVolumeKind.None => "no model volume (spec.skipModelInit)",
    };
}
