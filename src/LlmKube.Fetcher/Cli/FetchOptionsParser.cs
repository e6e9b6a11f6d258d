using System.Globalization;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Cli;

/// <summary>Merges `fetch` flags with the environment the operator's builders set (docs/CONTRACTS.md section 1).</summary>
internal static class FetchOptionsParser
{
    public static FetchOptions Parse(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env)
    {
        var line = new FetcherCommandLine();
        var flags = FetcherCommandLine.ParseOrThrow(line.Fetch, args);
        string? source = flags.GetValue(line.Source), dest = flags.GetValue(line.Dest), destDir = flags.GetValue(line.DestDir),
            sha = flags.GetValue(line.Sha256), refresh = flags.GetValue(line.Refresh), connections = flags.GetValue(line.Connections),
            caDir = flags.GetValue(line.CaDir), chunk = flags.GetValue(line.ChunkSizeMib), directIo = flags.GetValue(line.DirectIo),
            fsync = flags.GetValue(line.Fsync), progress = flags.GetValue(line.Progress), termLog = flags.GetValue(line.FetchTerminationLog),
            stall = flags.GetValue(line.StallTimeoutSeconds), attempts = flags.GetValue(line.MaxAttempts),
            minThroughput = flags.GetValue(line.MinThroughput), window = flags.GetValue(line.ThroughputWindow), deadline = flags.GetValue(line.Deadline);
        var files = new List<string>(flags.GetValue(line.Files) ?? []);
        var roots = new List<string>(flags.GetValue(line.FileRoots) ?? []);
        var networks = new List<string>(flags.GetValue(line.Networks) ?? []);
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

        if (networks.Count == 0 && Env(env, FetcherEnvironment.AllowedNetworks) is { } networkList)
        {
            networks.Add(networkList);
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
        foreach (var file in dest is null ? safeFiles : [Path.GetFileName(dest)])
        {
            Cache.CacheNames.CheckFits(file);
        }

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
            Network = ParseNetworks(networks),
            HfToken = Env(env, FetcherEnvironment.HfToken),
            HfEndpoint = (Env(env, FetcherEnvironment.HfEndpoint) ?? "https://huggingface.co").TrimEnd('/'),
            S3 = new S3Settings(
                Env(env, FetcherEnvironment.AwsAccessKeyId),
                Env(env, FetcherEnvironment.AwsSecretAccessKey),
                Env(env, FetcherEnvironment.AwsSessionToken),
                Env(env, FetcherEnvironment.AwsRegion) ?? Env(env, FetcherEnvironment.AwsDefaultRegion),
                Env(env, FetcherEnvironment.AwsEndpointUrlS3) ?? Env(env, FetcherEnvironment.AwsEndpointUrl)),
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
            MinThroughputBytesPerSecond = ParseInt(minThroughput ?? Env(env, FetcherEnvironment.MinThroughputBytesPerSecond),
                "--min-throughput-bytes-per-second (LLMKUBE_MIN_THROUGHPUT_BYTES_PER_SECOND)", FetchOptions.DefaultMinThroughput, 0, int.MaxValue),
            ThroughputWindow = TimeSpan.FromSeconds(ParseInt(window ?? Env(env, FetcherEnvironment.ThroughputWindowSeconds),
                "--throughput-window-seconds (LLMKUBE_THROUGHPUT_WINDOW_SECONDS)", FetchOptions.DefaultThroughputWindowSeconds, 1, 3600)),
            Deadline = TimeSpan.FromSeconds(ParseInt(deadline ?? Env(env, FetcherEnvironment.DeadlineSeconds),
                "--deadline-seconds (LLMKUBE_DEADLINE_SECONDS)", FetchOptions.DefaultDeadlineSeconds, 1, 7 * 24 * 3600)),
        };
    }

    internal static FetchException Usage(string message) => new(FailureReason.InvalidArguments, message);

    private static string? Env(IReadOnlyDictionary<string, string> env, string name) =>
        env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;

    private static Sources.NetworkPolicy ParseNetworks(IReadOnlyList<string> networks)
    {
        try
        {
            return Sources.NetworkPolicy.Parse(networks);
        }
        catch (FormatException e)
        {
            throw Usage($"--allow-network (LLMKUBE_ALLOWED_NETWORKS): {e.Message}");
        }
    }

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
