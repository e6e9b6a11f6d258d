namespace LlmKube.Fetcher.Failures;

/// <summary>
/// The machine-readable reasons of SYSTEM.md section 5 (plus three the contract adds for local failures).
/// The numeric value is the process exit code.
/// </summary>
internal enum FailureReason
{
    /// <summary>Bad command line or environment (exit 2).</summary>
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

    /// <summary>The cache volume (or the prep target) cannot be written or changed by this process.</summary>
    CacheNotWritable = 17,

    /// <summary>An unexpected failure; a bug or an unclassified error.</summary>
    Internal = 70,
}
