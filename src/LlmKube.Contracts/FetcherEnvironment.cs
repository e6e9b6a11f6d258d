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

    /// <summary><c>true</c> (default) or <c>false</c>: fsync around the rename.</summary>
    public const string Fsync = "LLMKUBE_FSYNC";

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
