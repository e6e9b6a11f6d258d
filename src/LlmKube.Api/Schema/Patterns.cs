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

    /// <summary>
    /// A URL that carries userinfo (<c>scheme://user[:password]@host</c>): everything before the first <c>/</c>,
    /// <c>?</c> or <c>#</c> after <c>://</c> is the authority, and an <c>@</c> in it marks credentials. Refused:
    /// they would be copied into the Deployment and its pods; credentials belong in sourceSecretRef. The fetcher's
    /// redaction (src/LlmKube.Contracts/Redaction.cs) uses the same boundary.
    /// </summary>
    public const string SourceWithUserInfo = "^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*@";

    /// <summary>
    /// A source whose last path segment, the cache file name before sanitising, is longer than
    /// <see cref="Cache.CacheFileNames.MaxModelFileNameBytes"/> characters (query and fragment excluded for http(s),
    /// as ModelFileName does). Sanitising and percent-decoding only shorten a name, so a source this does not match
    /// gets a file name that fits; SpecChecks then checks the exact name.
    /// </summary>
    public const string SourceFileNameTooLong = "^(https?://[^?#]*[^/?#]{221}/*([?#].*)?|(hf|s3|file)://.*[^/]{221}/*|/.*[^/]{221}/*)$";

    /// <summary>
    /// A printable-ASCII relative path whose directories fit NAME_MAX (255) and whose file name leaves room for the
    /// fetcher's dot-files (220). With the byte-size test for short paths, the CEL form of
    /// <see cref="Cache.CacheFileNames.Fits"/>: it never admits a path that does not fit.
    /// </summary>
    public const string AsciiPathFitsNameMax = "^([ -.0-~]{1,255}/)*[ -.0-~]{1,220}$";

    /// <summary>Lowercase or uppercase hex sha256.</summary>
    public const string Sha256 = "^[a-fA-F0-9]{64}$";

    /// <summary>
    /// A relative path inside a repository: segments separated by single slashes, none empty, none
    /// <c>..</c> or <c>.</c>, no leading slash, no backslash, no control character (a newline would split the
    /// fetcher's newline-separated file list). Keeps user file names inside the cache entry.
    /// </summary>
    public const string RelativeFilePath = @"^([^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*|\.[^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*|\.\.[^/\\\x00-\x1f\x7f-\x9f]+)(/([^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*|\.[^./\\\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*|\.\.[^/\\\x00-\x1f\x7f-\x9f]+))*$";

    /// <summary>
    /// A path with a segment reserved for the fetcher's own files: a dot-name containing <c>.llmkube</c> (the lock,
    /// sidecars, partial downloads). Such a file in <c>files</c> would collide with them; the fetcher refuses the same.
    /// </summary>
    public const string ReservedFileName = "(^|/)[.]([^/]*[.])?llmkube";

    /// <summary>Extended resource name such as <c>nvidia.com/gpu</c>.</summary>
    public const string ResourceName = @"^[a-z0-9.\-]+/[a-z0-9._\-]+$";

    /// <summary>Condition reason per metav1.Condition.</summary>
    public const string ConditionReason = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";
}
