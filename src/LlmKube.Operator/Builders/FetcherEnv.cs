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

    public const string Binary = "llmkube-fetch";
    public const string PrepContainer = "model-cache-prep";
    public const string DownloaderContainer = "model-downloader";
}
