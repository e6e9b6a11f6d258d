namespace LlmKube.Operator.Builders;

/// <summary>Environment variable names the fetcher reads (docs/CONTRACTS.md section 1).</summary>
public static class FetcherEnv
{
    public const string Source = "LLMKUBE_SOURCE";
    public const string Dest = "LLMKUBE_DEST";
    public const string DestDir = "LLMKUBE_DEST_DIR";
    public const string Files = "LLMKUBE_FILES";
    public const string Sha256 = "LLMKUBE_SHA256";
    public const string RefreshPolicy = "LLMKUBE_REFRESH_POLICY";
    public const string Connections = "LLMKUBE_CONNECTIONS";
    public const string CaDir = "LLMKUBE_CA_DIR";
    public const string AllowedFileRoots = "LLMKUBE_ALLOWED_FILE_ROOTS";
    public const string AllowedNetworks = "LLMKUBE_ALLOWED_NETWORKS";
    public const string Fsync = "LLMKUBE_FSYNC";
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// The keys of a Model's sourceSecretRef that reach the fetcher, each as its own secretKeyRef (optional), never
    /// envFrom: any other key of a tenant's Secret (an LLMKUBE_* policy setting above all) stays out (docs/SECURITY.md).
    /// </summary>
    public static readonly IReadOnlyList<string> SecretKeys =
    [
        "HF_TOKEN", "HF_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
        "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
    ];

    public const string Binary = "llmkube-fetch";
    public const string PrepContainer = "model-cache-prep";
    public const string DownloaderContainer = "model-downloader";
}
