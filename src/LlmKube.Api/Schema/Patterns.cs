namespace LlmKube.Api.Schema;

/// <summary>
/// Regular expressions shared by the CRD schema and the in-process validators. They are RE2-compatible
/// (no look-around), because the real API server evaluates them with Go's regexp.
/// </summary>
public static class Patterns
{
    /// <summary>Kubernetes quantity without a sign: <c>500m</c>, <c>4Gi</c>, <c>1.5</c>, <c>1e3</c>.</summary>
    public const string Quantity =
        @"^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>DNS-1123 subdomain (object names such as claims and Models).</summary>
    public const string Dns1123Subdomain = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

    /// <summary>Upstream's source pattern: a URL with a known scheme, an absolute path, or a bare hub repo id.</summary>
    public const string ModelSource = @"^((https?|file|pvc|hf|s3)://.*|/\S+|[a-zA-Z0-9][\w\-./]+)$";

    /// <summary>Lowercase or uppercase hex sha256.</summary>
    public const string Sha256 = "^[a-fA-F0-9]{64}$";

    /// <summary>
    /// A relative path inside a repository: segments separated by single slashes, none empty, none
    /// <c>..</c> or <c>.</c>, no leading slash, no backslash. Keeps user file names inside the cache entry.
    /// </summary>
    public const string RelativeFilePath = @"^([^./\\][^/\\]*|\.[^./\\][^/\\]*|\.\.[^/\\]+)(/([^./\\][^/\\]*|\.[^./\\][^/\\]*|\.\.[^/\\]+))*$";

    /// <summary>Extended resource name such as <c>nvidia.com/gpu</c>.</summary>
    public const string ResourceName = @"^[a-z0-9.\-]+/[a-z0-9._\-]+$";

    /// <summary>Condition reason per metav1.Condition.</summary>
    public const string ConditionReason = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";
}
