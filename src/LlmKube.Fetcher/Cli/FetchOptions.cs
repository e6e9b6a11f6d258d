namespace LlmKube.Fetcher.Cli;

internal enum RefreshPolicy
{
    IfNotPresent,
    OnChange,
}

internal enum ProgressMode
{
    /// <summary>A live line when stderr is a terminal, otherwise a line every few seconds.</summary>
    Auto,
    Lines,
    None,
}

/// <summary>S3 settings from the environment (credentials arrive as secretKeyRefs to the Model's sourceSecretRef).</summary>
internal sealed record S3Settings(string? AccessKeyId, string? SecretAccessKey, string? SessionToken, string? Region, string? EndpointUrl);

/// <summary>Everything `fetch` needs, after flags and environment are merged (flags win).</summary>
internal sealed record FetchOptions
{
    public const int DefaultConnections = 4;
    public const int MaxConnections = 32;
    public const long DefaultChunkSize = 4L << 20;
    public const int DefaultMinThroughput = 64 * 1024;
    public const int DefaultThroughputWindowSeconds = 120;
    public const int DefaultDeadlineSeconds = 24 * 3600;

    public required string Source { get; init; }

    /// <summary>Single-file mode: the final path.</summary>
    public string? Dest { get; init; }

    /// <summary>Multi-file mode: the directory the files land in.</summary>
    public string? DestDir { get; init; }

    /// <summary>Multi-file mode: repo-relative paths (`files` then `mmproj`), validated.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Expected sha256 (lowercase hex) of the single file, or of Files[0].</summary>
    public string? Sha256 { get; init; }

    public RefreshPolicy Refresh { get; init; } = RefreshPolicy.IfNotPresent;

    public int Connections { get; init; } = DefaultConnections;

    public long ChunkSize { get; init; } = DefaultChunkSize;

    public string? CaDir { get; init; }

    public IReadOnlyList<string> AllowedFileRoots { get; init; } = [];

    /// <summary>Where connections may go: public addresses, plus the allowed networks (private mirrors).</summary>
    public Sources.NetworkPolicy Network { get; init; } = Sources.NetworkPolicy.Default;

    public string? HfToken { get; init; }

    public string HfEndpoint { get; init; } = "https://huggingface.co";

    public S3Settings S3 { get; init; } = new(null, null, null, null, null);

    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    public string TerminationLogPath { get; init; } = TerminationMessage.DefaultPath;

    /// <summary>Consecutive failed attempts (without progress) before a transfer gives up.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>A connection that delivers no byte for this long counts as dropped.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Below this many bytes per second over <see cref="ThroughputWindow"/> a transfer fails (0: no floor).</summary>
    public long MinThroughputBytesPerSecond { get; init; } = DefaultMinThroughput;

    public TimeSpan ThroughputWindow { get; init; } = TimeSpan.FromSeconds(DefaultThroughputWindowSeconds);

    /// <summary>The whole run (lock wait, probes, every transfer) ends with SourceUnreachable after this.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(DefaultDeadlineSeconds);

    /// <summary>O_DIRECT writes where the filesystem allows them (falls back to buffered writes otherwise).</summary>
    public bool DirectIo { get; init; } = true;

    /// <summary>
    /// fsync the file and its directory before and after publishing (default). Off only for volumes that do not
    /// outlive the node's page cache anyway (emptyDir): then writes are buffered and nothing waits for the disk.
    /// </summary>
    public bool Fsync { get; init; } = true;

    public bool IsMultiFile => DestDir is not null;

    /// <summary>The entry directory that the lock covers.</summary>
    public string EntryDirectory => DestDir ?? Path.GetDirectoryName(Path.GetFullPath(Dest!))!;
}

/// <summary>Arguments of `prep DIR --owner UID:GID --mode MODE`.</summary>
internal sealed record PrepOptions(string Directory, uint Uid, uint Gid, string Mode, string TerminationLogPath);
