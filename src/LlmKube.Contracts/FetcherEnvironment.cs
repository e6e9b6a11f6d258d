namespace LlmKube.Contracts;

/// <summary>
/// The environment variables <c>llmkube-fetch fetch</c> reads and the operator's builders set on the
/// <c>model-downloader</c> init container (docs/CONTRACTS.md section 1). Flags of the same meaning win.
/// </summary>
public static class FetcherEnvironment
{
    /// <summary>The raw <c>spec.source</c>.</summary>
    public const string Source = "LLMKUBE_SOURCE";

    /// <summary>Single file: the final path of the model file.</summary>
    public const string Dest = "LLMKUBE_DEST";

    /// <summary>Multi-file: the directory the files land in.</summary>
    public const string DestDir = "LLMKUBE_DEST_DIR";

    /// <summary>Multi-file: newline-separated repository-relative paths.</summary>
    public const string Files = "LLMKUBE_FILES";

    /// <summary>Expected sha256 of the single file, or of the first of <see cref="Files"/>.</summary>
    public const string Sha256 = "LLMKUBE_SHA256";

    /// <summary><c>IfNotPresent</c> (default) or <c>OnChange</c>.</summary>
    public const string RefreshPolicy = "LLMKUBE_REFRESH_POLICY";

    /// <summary>Parallel range connections.</summary>
    public const string Connections = "LLMKUBE_CONNECTIONS";

    /// <summary>Directory of extra PEM CA certificates.</summary>
    public const string CaDir = "LLMKUBE_CA_DIR";

    /// <summary>Colon-separated roots under which <c>file://</c> sources may be read.</summary>
    public const string AllowedFileRoots = "LLMKUBE_ALLOWED_FILE_ROOTS";

    /// <summary>
    /// Comma-separated networks (CIDRs or addresses) the fetcher may connect to although they are loopback,
    /// link-local or private: in-cluster mirrors. Set only from the operator's <c>--fetcher-allowed-networks</c>.
    /// </summary>
    public const string AllowedNetworks = "LLMKUBE_ALLOWED_NETWORKS";

    /// <summary>Minimum average throughput over <see cref="ThroughputWindowSeconds"/>, bytes per second (0 disables).</summary>
    public const string MinThroughputBytesPerSecond = "LLMKUBE_MIN_THROUGHPUT_BYTES_PER_SECOND";

    /// <summary>The window of <see cref="MinThroughputBytesPerSecond"/>, in seconds.</summary>
    public const string ThroughputWindowSeconds = "LLMKUBE_THROUGHPUT_WINDOW_SECONDS";

    /// <summary>The overall deadline of one run, in seconds; a later run resumes.</summary>
    public const string DeadlineSeconds = "LLMKUBE_DEADLINE_SECONDS";

    /// <summary><c>true</c> (default) or <c>false</c>: fsync around the rename.</summary>
    public const string Fsync = "LLMKUBE_FSYNC";

    /// <summary>Hugging Face token (from the Model's sourceSecretRef).</summary>
    public const string HfToken = "HF_TOKEN";

    /// <summary>Hugging Face endpoint, default https://huggingface.co (from the Model's sourceSecretRef).</summary>
    public const string HfEndpoint = "HF_ENDPOINT";

    /// <summary>S3 access key id (from the Model's sourceSecretRef).</summary>
    public const string AwsAccessKeyId = "AWS_ACCESS_KEY_ID";

    /// <summary>S3 secret access key (from the Model's sourceSecretRef).</summary>
    public const string AwsSecretAccessKey = "AWS_SECRET_ACCESS_KEY";

    /// <summary>S3 session token (from the Model's sourceSecretRef).</summary>
    public const string AwsSessionToken = "AWS_SESSION_TOKEN";

    /// <summary>S3 region; <see cref="AwsDefaultRegion"/> when unset.</summary>
    public const string AwsRegion = "AWS_REGION";

    /// <summary>S3 region when <see cref="AwsRegion"/> is unset.</summary>
    public const string AwsDefaultRegion = "AWS_DEFAULT_REGION";

    /// <summary>S3-compatible endpoint for S3 only; wins over <see cref="AwsEndpointUrl"/>.</summary>
    public const string AwsEndpointUrlS3 = "AWS_ENDPOINT_URL_S3";

    /// <summary>S3-compatible endpoint.</summary>
    public const string AwsEndpointUrl = "AWS_ENDPOINT_URL";

    /// <summary>
    /// The keys of a Model's sourceSecretRef that reach the fetcher, each as its own secretKeyRef (optional), never
    /// envFrom: any other key of a tenant's Secret (an LLMKUBE_* policy setting above all) stays out (docs/SECURITY.md).
    /// </summary>
    public static readonly IReadOnlyList<string> SourceSecretKeys =
    [
        HfToken, HfEndpoint, AwsAccessKeyId, AwsSecretAccessKey, AwsSessionToken, AwsRegion, AwsDefaultRegion,
        AwsEndpointUrl, AwsEndpointUrlS3,
    ];

    /// <summary>Not read by the fetcher but by the .NET runtime it runs on: socket completions inline (fewer thread hops per chunk).</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}

/// <summary>The fetcher's binary and its subcommands, as the builders and the CLI's cache Jobs call them.</summary>
public static class FetcherCommands
{
    /// <summary>The program in the fetcher image (<c>/usr/local/bin/llmkube-fetch</c>), set as the container command.</summary>
    public const string Binary = "llmkube-fetch";

    /// <summary><c>prep DIR --owner UID:GID --mode MODE</c>: fixes ownership of the volume root.</summary>
    public const string Prep = "prep";

    /// <summary><c>fetch</c>: downloads one model (settings from <see cref="FetcherEnvironment"/>).</summary>
    public const string Fetch = "fetch";

    /// <summary><c>cache-ls ROOT</c>: reports a cache volume (<see cref="CacheListingReport"/>).</summary>
    public const string CacheList = "cache-ls";

    /// <summary><c>cache-rm ROOT KEY...</c>: removes entries (<see cref="CacheRemovalReport"/>).</summary>
    public const string CacheRemove = "cache-rm";
}
