using LlmKube.ControllerRuntime;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Configuration;

/// <summary>
/// Operator-wide settings (flags of src/LlmKube.Operator/README.md). Immutable; validated once at start-up so a bad
/// value stops the operator with a clear message instead of failing every service later.
/// </summary>
public sealed record OperatorOptions
{
    /// <summary>The fetcher image of this release: the chart's default tag is the same version.</summary>
    public static string DefaultFetcherImage => WorkloadDefaults.FetcherImage;
    public const string DefaultServerImage = WorkloadDefaults.ServerImage;
    public const string DefaultServerCudaImage = WorkloadDefaults.ServerCudaImage;

    public string? Kubeconfig { get; init; }

    /// <summary>Watch one namespace; null watches all.</summary>
    public string? Namespace { get; init; }

    public string ModelCacheMode { get; init; } = CacheModes.Shared;

    public bool ModelCacheEnabled { get; init; } = true;

    public string ModelCacheSize { get; init; } = WorkloadDefaults.ModelCacheSize;

    public string? ModelCacheStorageClass { get; init; }

    public string ModelCacheAccessMode { get; init; } = WorkloadDefaults.ModelCacheAccessMode;

    public string FetcherImage { get; init; } = DefaultFetcherImage;

    public string ServerImage { get; init; } = DefaultServerImage;

    public string ServerCudaImage { get; init; } = DefaultServerCudaImage;

    /// <summary>fsGroup of inference pods without their own pod security context; 0 or less disables it.</summary>
    public long DefaultFsGroup { get; init; } = WorkloadDefaults.FsGroup;

    /// <summary>Host directories under which file:// and absolute-path sources are allowed; none by default.</summary>
    public IReadOnlyList<string> AllowedHostPathRoots { get; init; } = [];

    /// <summary>--pod-security-level: one of <see cref="Core.Policy.PodSecurityLevels"/>.</summary>
    public string PodSecurityLevel { get; init; } = Core.Policy.PodSecurityLevels.Baseline;

    /// <summary>--allowed-images: prefixes spec.image must start with; empty allows any.</summary>
    public IReadOnlyList<string> AllowedImages { get; init; } = [];

    /// <summary>ConfigMap of extra CA certificates given to the fetcher (added to the system roots).</summary>
    public string? CaCertConfigMap { get; init; }

    public bool LeaderElect { get; init; }

    /// <summary>Namespace of the leader Lease as given; null: the operator's own (<see cref="OperatorNamespace.ForLease"/>).</summary>
    public string? LeaderElectionNamespace { get; init; }

    public int MetricsPort { get; init; } = 8080;

    public int HealthPort { get; init; } = 8081;

    public TimeSpan RevalidateInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Let the Model controller's HEAD probes reach loopback and private addresses (off: no SSRF into the cluster).</summary>
    public bool AllowPrivateSourceProbes { get; init; }

    /// <summary>
    /// Networks (CIDRs) the fetcher may reach although they are loopback, link-local or private: the private mirrors.
    /// None by default: a source or a redirect into the cluster is refused (docs/SECURITY.md).
    /// </summary>
    public IReadOnlyList<string> FetcherAllowedNetworks { get; init; } = [];

    /// <summary>How often informers replay their caches to the controllers (no API requests).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>An identical event about the same object is written once per this window (the API server's default event TTL).</summary>
    public TimeSpan EventDedupWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Reconcile workers per controller.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>Log format; null: JSON unless standard output is a terminal.</summary>
    public LogFormat? LogFormat { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}
