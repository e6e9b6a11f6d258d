namespace LlmKube.Contracts;

/// <summary>
/// Why the fetcher failed: the seven reasons of the model-transfer contract plus three for failures that are not
/// the source's. The name is written in the termination line (<see cref="TerminationMessage"/>); the numeric value
/// is the process exit code (table in src/LlmKube.Fetcher/README.md).
/// </summary>
public enum FailureReason
{
    /// <summary>Bad command line or environment (a builder bug).</summary>
    InvalidArguments = 2,

    /// <summary>401/403 from the source, or credentials refused.</summary>
    SourceUnauthorized = 10,

    /// <summary>404/410, missing object, missing local file.</summary>
    SourceNotFound = 11,

    /// <summary>TLS certificate not trusted (custom CA missing?).</summary>
    SourceUntrusted = 12,

    /// <summary>Connection refused, DNS, timeouts, 5xx after retries, dropped connections beyond the retry budget.</summary>
    SourceUnreachable = 13,

    /// <summary>sha256 or size differs from what was expected.</summary>
    IntegrityMismatch = 14,

    /// <summary>The source string or file list is not acceptable (scheme, traversal, disallowed file root).</summary>
    InvalidSource = 15,

    /// <summary>ENOSPC or EDQUOT on the cache volume.</summary>
    OutOfSpace = 16,

    /// <summary>The cache volume (or the prep target) cannot be written or changed by this process, or failed to (EIO, a failed fsync).</summary>
    CacheNotWritable = 17,

    /// <summary>An unexpected failure; a bug or an unclassified error.</summary>
    Internal = 70,
}

/// <summary>Exit codes of <c>cache-ls</c> and <c>cache-rm</c> besides <see cref="FailureReason.InvalidArguments"/>.</summary>
public static class CacheCommandExitCodes
{
    /// <summary>Done: the report is complete.</summary>
    public const int Ok = 0;

    /// <summary><c>cache-rm</c> could not remove some entries (the report's <c>failed</c> says why).</summary>
    public const int NotAllRemoved = 1;
}
