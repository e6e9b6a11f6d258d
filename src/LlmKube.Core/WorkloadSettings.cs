namespace LlmKube.Core;

/// <summary>The operator's cache modes (flag <c>--model-cache-mode</c>).</summary>
public static class CacheModes
{
    /// <summary>One claim <c>llmkube-model-cache</c> per namespace, shared by its services.</summary>
    public const string Shared = "shared";

    /// <summary>One claim <c>&lt;service&gt;-model-cache</c> per service, owned by it.</summary>
    public const string PerService = "perService";
}

/// <summary>The defaults of <see cref="WorkloadSettings"/>, which are also the operator's flag defaults.</summary>
public static class WorkloadDefaults
{
    /// <summary>The fetcher image of this release: the chart's default tag is the same version.</summary>
    public static string FetcherImage { get; } = "ghcr.io/llmkube/llmkube-fetch:" + Api.ProductVersion.Current;

    public const string ServerImage = "ghcr.io/ggml-org/llama.cpp:server";
    public const string ServerCudaImage = "ghcr.io/ggml-org/llama.cpp:server-cuda";
    public const string ModelCacheSize = "100Gi";
    public const string ModelCacheAccessMode = "ReadWriteOnce";
    public const long FsGroup = 102;
}

/// <summary>
/// What the operator's flags change in the objects it builds: the model cache, images, the default fsGroup, the
/// host paths models may come from and the fetcher's extra CAs. The decision and the builders read only this, so the
/// operator, render and the CLI (from the operator's published configuration) compute the same objects.
/// </summary>
public sealed record WorkloadSettings
{
    public bool ModelCacheEnabled { get; init; } = true;

    /// <summary>One of <see cref="CacheModes"/>.</summary>
    public string ModelCacheMode { get; init; } = CacheModes.Shared;

    /// <summary>Size of each cache claim the operator creates.</summary>
    public string ModelCacheSize { get; init; } = WorkloadDefaults.ModelCacheSize;

    /// <summary>Storage class of created cache claims; null for the cluster's default.</summary>
    public string? ModelCacheStorageClass { get; init; }

    /// <summary>Access mode of the shared claim (perService claims are always ReadWriteOnce).</summary>
    public string ModelCacheAccessMode { get; init; } = WorkloadDefaults.ModelCacheAccessMode;

    public string FetcherImage { get; init; } = WorkloadDefaults.FetcherImage;

    public string ServerImage { get; init; } = WorkloadDefaults.ServerImage;

    public string ServerCudaImage { get; init; } = WorkloadDefaults.ServerCudaImage;

    /// <summary>fsGroup of inference pods without their own pod security context; 0 or less disables it.</summary>
    public long DefaultFsGroup { get; init; } = WorkloadDefaults.FsGroup;

    /// <summary>Host directories under which file:// and absolute-path sources are allowed; none by default.</summary>
    public IReadOnlyList<string> AllowedHostPathRoots { get; init; } = [];

    /// <summary>ConfigMap of extra CA certificates given to the fetcher (added to the system roots).</summary>
    public string? CaCertConfigMap { get; init; }

    /// <summary>One of <see cref="Policy.PodSecurityLevels"/>: what the user's pod fields must pass (<c>--pod-security-level</c>).</summary>
    public string PodSecurityLevel { get; init; } = Policy.PodSecurityLevels.Baseline;

    /// <summary>Prefixes <c>spec.image</c> must start with (<c>--allowed-images</c>); empty allows any image.</summary>
    public IReadOnlyList<string> AllowedImages { get; init; } = [];

    /// <summary>
    /// Networks (CIDRs) the fetcher may reach although they are loopback, link-local or private: the private mirrors.
    /// None by default: a source or a redirect into the cluster is refused (docs/SECURITY.md).
    /// </summary>
    public IReadOnlyList<string> FetcherAllowedNetworks { get; init; } = [];

    public bool IsPerService => ModelCacheMode == CacheModes.PerService;

    /// <summary><see cref="ModelCacheStorageClass"/> as a claim carries it: null (the cluster's default class) when unset or empty.</summary>
    public string? ClaimStorageClass => ModelCacheStorageClass is { Length: > 0 } storageClass ? storageClass : null;
}
