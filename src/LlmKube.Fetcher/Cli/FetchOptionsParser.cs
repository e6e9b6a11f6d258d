using System.Globalization;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Cli;

/// <summary>Merges `fetch` flags with the environment the operator's builders set (docs/CONTRACTS.md section 1).</summary>
internal static class FetchOptionsParser
{
    public static FetchOptions Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env)
    {
        var flags = new ArgReader(args);
        string? source = null, dest = null, destDir = null, sha = null, refresh = null, connections = null,
            caDir = null, chunk = null, directIo = null, fsync = null, progress = null, termLog = null, stall = null, attempts = null;
        var files = new List<string>();
        var roots = new List<string>();
        while (flags.Next() is { } flag)
        {
            switch (flag)
            {
                case "--source": source = flags.Value(flag); break;
                case "--dest": dest = flags.Value(flag); break;
                case "--dest-dir": destDir = flags.Value(flag); break;
                case "--file": files.Add(flags.Value(flag)); break;
                case "--sha256": sha = flags.Value(flag); break;
                case "--refresh": refresh = flags.Value(flag); break;
                case "--connections": connections = flags.Value(flag); break;
                case "--ca-dir": caDir = flags.Value(flag); break;
                case "--allow-file-root": roots.Add(flags.Value(flag)); break;
                case "--chunk-size-mib": chunk = flags.Value(flag); break;
                case "--progress": progress = flags.Value(flag); break;
                case "--termination-log": termLog = flags.Value(flag); break;
                case "--stall-timeout-seconds": stall = flags.Value(flag); break;
                case "--max-attempts": attempts = flags.Value(flag); break;
                case "--direct-io": directIo = flags.Value(flag); break;
                case "--fsync": fsync = flags.Value(flag); break;
                default: throw Usage($"unknown flag or argument '{flag}'");
            }
        }

        source ??= Env(env, FetcherEnvironment.Source);
        dest ??= Env(env, FetcherEnvironment.Dest);
        destDir ??= Env(env, FetcherEnvironment.DestDir);
        if (files.Count == 0 && Env(env, FetcherEnvironment.Files) is { } fileList)
        {
            files.AddRange(fileList.Split('\n').Select(f => f.Trim('\r', ' ', '\t')).Where(f => f.Length > 0));
        }

        sha ??= Env(env, FetcherEnvironment.Sha256);
        refresh ??= Env(env, FetcherEnvironment.RefreshPolicy);
        connections ??= Env(env, FetcherEnvironment.Connections);
        caDir ??= Env(env, FetcherEnvironment.CaDir);
        if (roots.Count == 0 && Env(env, FetcherEnvironment.AllowedFileRoots) is { } rootList)
        {
            roots.AddRange(rootList.Split(':').Where(r => r.Length > 0));
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            throw Usage("no source: pass --source or set LLMKUBE_SOURCE");
        }

        if ((dest is null) == (destDir is null))
        {
            throw Usage("exactly one of --dest (LLMKUBE_DEST) and --dest-dir (LLMKUBE_DEST_DIR) must be given");
        }

        if (destDir is not null && files.Count == 0)
        {
            throw Usage("--dest-dir needs at least one --file (LLMKUBE_FILES)");
        }

        if (dest is not null && files.Count > 0)
        {
            throw Usage("--file (LLMKUBE_FILES) only goes with --dest-dir (LLMKUBE_DEST_DIR)");
        }

        if (dest is not null && (dest.EndsWith('/') || Path.GetFileName(dest).StartsWith('.')))
        {
            throw Usage($"--dest must name a file that is not a dot-file: '{dest}'");
        }

        var safeFiles = files.Select(RelativePath.Validate).ToList();
        if (safeFiles.Distinct(StringComparer.Ordinal).Count() != safeFiles.Count)
        {
            throw new FetchException(FailureReason.InvalidSource, "the file list names the same file twice");
        }

        return new FetchOptions
        {
            Source = source.Trim(),
            Dest = dest is null ? null : Path.GetFullPath(dest),
            DestDir = destDir is null ? null : Path.GetFullPath(destDir),
            Files = safeFiles,
            Sha256 = ParseSha(sha),
            Refresh = ParseRefresh(refresh),
            Connections = ParseInt(connections, "--connections", FetchOptions.DefaultConnections, 1, FetchOptions.MaxConnections),
            ChunkSize = ParseInt(chunk, "--chunk-size-mib", (int)(FetchOptions.DefaultChunkSize >> 20), 1, 256) * (1L << 20),
            DirectIo = ParseBool(directIo, "--direct-io"),
            Fsync = ParseBool(fsync ?? Env(env, FetcherEnvironment.Fsync), "--fsync (LLMKUBE_FSYNC)"),
            CaDir = string.IsNullOrEmpty(caDir) ? null : caDir,
            AllowedFileRoots = roots,
            HfToken = Env(env, "HF_TOKEN"),
            HfEndpoint = (Env(env, "HF_ENDPOINT") ?? "https://huggingface.co").TrimEnd('/'),
            S3 = new S3Settings(
                Env(env, "AWS_ACCESS_KEY_ID"),
                Env(env, "AWS_SECRET_ACCESS_KEY"),
                Env(env, "AWS_SESSION_TOKEN"),
                Env(env, "AWS_REGION") ?? Env(env, "AWS_DEFAULT_REGION"),
                Env(env, "AWS_ENDPOINT_URL_S3") ?? Env(env, "AWS_ENDPOINT_URL")),
            Progress = progress switch
            {
                null or "auto" => ProgressMode.Auto,
                "lines" => ProgressMode.Lines,
                "none" => ProgressMode.None,
                _ => throw Usage($"--progress must be auto, lines or none, not '{progress}'"),
            },
            TerminationLogPath = termLog ?? TerminationMessage.DefaultPath,
            StallTimeout = TimeSpan.FromSeconds(ParseInt(stall, "--stall-timeout-seconds", 30, 1, 3600)),
            MaxAttempts = ParseInt(attempts, "--max-attempts", 6, 1, 100),
        };
    }

    internal static FetchException Usage(string message) => new(FailureReason.InvalidArguments, message);

    private static string? Env(IReadOnlyDictionary<string, string> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static string? ParseSha(string? sha)
    {
        if (string.IsNullOrWhiteSpace(sha))
        {
            return null;
        }

        var s = sha.Trim().ToLowerInvariant();
        if (s.StartsWith("sha256:", StringComparison.Ordinal))
        {
            s = s[7..];
        }

        return s.Length == 64 && s.All(char.IsAsciiHexDigitLower)
            ? s
            : throw Usage("--sha256 (LLMKUBE_SHA256) must be 64 hex characters");
    }

    private static bool ParseBool(string? value, string name) => value switch
    {
        null or "" or "true" or "True" or "1" => true,
        "false" or "False" or "0" => false,
        _ => throw Usage($"{name} must be true or false, not '{value}'"),
    };

    private static RefreshPolicy ParseRefresh(string? value) => value switch
    {
        null or "" or "IfNotPresent" => RefreshPolicy.IfNotPresent,
        "OnChange" => RefreshPolicy.OnChange,
        _ => throw Usage($"--refresh (LLMKUBE_REFRESH_POLICY) must be IfNotPresent or OnChange, not '{value}'"),
    };

    private static int ParseInt(string? value, string name, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw Usage($"{name} must be an integer from {min} to {max}, not '{value}'");
    }
}
