using System.CommandLine;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Cli;

/// <summary>
/// The fetcher's verbs and flags, declared once with System.CommandLine (trimming- and AOT-safe). Flag values stay
/// strings here: checking them, and falling back to the environment the operator's builders set (a flag wins), is
/// <see cref="FetchOptionsParser"/>'s and the verbs' own job, so every message names the flag and its variable.
/// </summary>
internal sealed class FetcherCommandLine
{
    public FetcherCommandLine()
    {
        Fetch = new Command(FetcherCommands.Fetch, "Put a model (or a set of files) in place: atomic, verified, resumable, safe with concurrent fetchers. Every flag also comes from the environment (LLMKUBE_*, HF_*, AWS_*); a flag wins.")
        {
            Source, Dest, DestDir, Files, Sha256, Refresh, Connections, CaDir, FileRoots, Networks, ChunkSizeMib, Progress,
            FetchTerminationLog, StallTimeoutSeconds, MaxAttempts, MinThroughput, ThroughputWindow, Deadline, DirectIo, Fsync,
        };
        Prep = new Command(FetcherCommands.Prep, "chown and chmod the cache volume's root directory itself (never recursive), by descriptor.") { PrepDirectory, Owner, Mode, PrepTerminationLog };
        List = new Command(FetcherCommands.CacheList, "Report every entry of a mounted cache volume as JSON.") { ListRoot, ListTerminationLog };
        Remove = new Command(FetcherCommands.CacheRemove, "Remove whole cache entries ROOT/KEY and nothing else.") { RemoveRoot, RemoveKeys, RemoveTerminationLog };
        Root = new RootCommand("llmkube-fetch: fills the model cache (prep, fetch) and inspects it (cache-ls, cache-rm). Exit codes and reasons: src/LlmKube.Fetcher/README.md.") { Prep, Fetch, List, Remove };
        foreach (var verb in new[] { Fetch, Prep, List, Remove })
        {
            verb.Options.Add(new System.CommandLine.Help.HelpOption());
        }
    }

    public RootCommand Root { get; }

    public Command Fetch { get; }

    public Command Prep { get; }

    public Command List { get; }

    public Command Remove { get; }

    public Option<string?> Source { get; } = Flag("--source", "http(s)://…, hf://org/repo[@rev][/path], s3://bucket/key, file:///path (LLMKUBE_SOURCE)");

    public Option<string?> Dest { get; } = Flag("--dest", "single file: the final path (LLMKUBE_DEST)");

    public Option<string?> DestDir { get; } = Flag("--dest-dir", "multi-file: the directory the files land in (LLMKUBE_DEST_DIR)");

    public Option<string[]> Files { get; } = Repeated("--file", "multi-file: a repo-relative path, repeatable (LLMKUBE_FILES, newline-separated)");

    public Option<string?> Sha256 { get; } = Flag("--sha256", "expected sha256 of the single file or of the first --file (LLMKUBE_SHA256)");

    public Option<string?> Refresh { get; } = Flag("--refresh", "IfNotPresent (default) or OnChange (LLMKUBE_REFRESH_POLICY)");

    public Option<string?> Connections { get; } = Flag("--connections", "parallel range connections, 1-32, default 4 (LLMKUBE_CONNECTIONS)");

    public Option<string?> CaDir { get; } = Flag("--ca-dir", "PEM CA certificates trusted in addition to the system roots (LLMKUBE_CA_DIR)");

    public Option<string[]> FileRoots { get; } = Repeated("--allow-file-root", "a root file:// sources may be read under, repeatable (LLMKUBE_ALLOWED_FILE_ROOTS, colon-separated)");

    public Option<string[]> Networks { get; } = Repeated("--allow-network", "a network (CIDR) allowed although loopback, link-local or private, repeatable (LLMKUBE_ALLOWED_NETWORKS)");

    public Option<string?> ChunkSizeMib { get; } = Flag("--chunk-size-mib", "range chunk size and resume granularity, default 4");

    public Option<string?> Progress { get; } = Flag("--progress", "auto (default), lines or none");

    public Option<string?> FetchTerminationLog { get; } = Flag("--termination-log", "default /dev/termination-log (written only when it exists)");

    public Option<string?> StallTimeoutSeconds { get; } = Flag("--stall-timeout-seconds", "a connection silent this long counts as dropped, default 30");

    public Option<string?> MaxAttempts { get; } = Flag("--max-attempts", "consecutive failures without progress before giving up, default 6");

    public Option<string?> MinThroughput { get; } = Flag("--min-throughput-bytes-per-second", "fail below this average over the window, default 65536, 0 disables (LLMKUBE_MIN_THROUGHPUT_BYTES_PER_SECOND)");

    public Option<string?> ThroughputWindow { get; } = Flag("--throughput-window-seconds", "the window of the minimum throughput, default 120 (LLMKUBE_THROUGHPUT_WINDOW_SECONDS)");

    public Option<string?> Deadline { get; } = Flag("--deadline-seconds", "the whole run ends after this, default 86400 (LLMKUBE_DEADLINE_SECONDS)");

    public Option<string?> DirectIo { get; } = Flag("--direct-io", "true (default) or false: O_DIRECT writes where the filesystem allows them");

    public Option<string?> Fsync { get; } = Flag("--fsync", "true (default) or false: fsync file and directory around the rename (LLMKUBE_FSYNC)");

    public Argument<string?> PrepDirectory { get; } = new("DIR") { Arity = ArgumentArity.ZeroOrOne, Description = "the volume's mount point" };

    public Option<string?> Owner { get; } = Flag("--owner", "numeric UID:GID");

    public Option<string?> Mode { get; } = Flag("--mode", "octal (0770) or symbolic (g+rwX) mode");

    public Option<string?> PrepTerminationLog { get; } = Flag("--termination-log", "default /dev/termination-log");

    public Argument<string?> ListRoot { get; } = new("ROOT") { Arity = ArgumentArity.ZeroOrOne, Description = "the mounted cache volume" };

    public Option<string?> ListTerminationLog { get; } = Flag("--termination-log", "default /dev/termination-log");

    public Argument<string?> RemoveRoot { get; } = new("ROOT") { Arity = ArgumentArity.ZeroOrOne, Description = "the mounted cache volume" };

    public Argument<string[]> RemoveKeys { get; } = new("KEY") { Arity = ArgumentArity.ZeroOrMore, Description = "cache keys: 16 lowercase hex characters" };

    public Option<string?> RemoveTerminationLog { get; } = Flag("--termination-log", "default /dev/termination-log");

    /// <summary>Parses <paramref name="args"/> (after the verb) for <paramref name="verb"/>; the first problem is an InvalidArguments failure.</summary>
    public static ParseResult ParseOrThrow(Command verb, IReadOnlyList<string> args)
    {
        var result = verb.Parse(args);
        if (result.UnmatchedTokens.Count > 0)
        {
            var token = result.UnmatchedTokens[0];
            throw new FetchException(FailureReason.InvalidArguments,
                token.StartsWith('-') ? $"{verb.Name}: unknown flag {token}" : $"{verb.Name}: unexpected argument '{token}'");
        }

        return result.Errors.Count == 0
            ? result
            : throw new FetchException(FailureReason.InvalidArguments, $"{verb.Name}: {result.Errors[0].Message}");
    }

    private static Option<string?> Flag(string name, string description) => new(name) { Description = description };

    private static Option<string[]> Repeated(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = false };
}
