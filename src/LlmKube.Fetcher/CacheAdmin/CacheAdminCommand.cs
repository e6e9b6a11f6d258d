using System.Text.RegularExpressions;

namespace LlmKube.Fetcher.CacheAdmin;

/// <summary>
/// <c>llmkube-fetch cache-ls ROOT</c> and <c>llmkube-fetch cache-rm ROOT KEY...</c>: what the CLI's short-lived cache
/// Jobs run on a mounted cache claim (README.md beside this file; docs/CONTRACTS.md section 5). The report is JSON: in
/// full on stdout, and at most 4 KiB in the termination log, where the CLI reads it from the pod's status.
/// </summary>
internal static partial class CacheAdminCommand
{
    public const string List = FetcherCommands.CacheList;
    public const string Remove = FetcherCommands.CacheRemove;

    public const string Usage = """
        usage:
          llmkube-fetch cache-ls ROOT [--termination-log PATH]
          llmkube-fetch cache-rm ROOT KEY [KEY...] [--termination-log PATH]
        ROOT is the mounted cache volume (/models); KEY is a cache key, 16 lowercase hex characters, naming the
        directory ROOT/KEY. cache-ls reports every entry (sizes, files, the fetcher's records); cache-rm removes
        exactly those directories and nothing else. The JSON report goes to stdout and, shortened to 4 KiB, to the
        termination log (default /dev/termination-log, written only when it exists).
        """;

    public static bool Handles(string verb) => verb is List or Remove;

    /// <summary>Runs <paramref name="args"/> (starting with the verb); exit codes: 0 done, 1 some entries not removed, 2 invalid arguments.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            stderr.WriteLine(Usage);
            return CacheCommandExitCodes.Ok;
        }

        var line = new Cli.FetcherCommandLine();
        var verb = args[0] == List ? line.List : line.Remove;
        var parse = verb.Parse(args[1..]);
        var terminationLog = parse.GetValue(args[0] == List ? line.ListTerminationLog : line.RemoveTerminationLog) ?? TerminationMessage.DefaultPath;
        if (parse.UnmatchedTokens.FirstOrDefault(t => t.StartsWith("--", StringComparison.Ordinal)) is { } unknown)
        {
            return Invalid(stderr, terminationLog, $"{args[0]}: unknown flag {unknown}");
        }

        var positional = (args[0] == List ? [parse.GetValue(line.ListRoot)] : new[] { parse.GetValue(line.RemoveRoot) })
            .OfType<string>().Concat(args[0] == List ? [] : parse.GetValue(line.RemoveKeys) ?? []).Concat(parse.UnmatchedTokens).ToList();
        if (parse.Errors.Count > 0 && parse.UnmatchedTokens.Count == 0)
        {
            return Invalid(stderr, terminationLog, $"{args[0]}: {parse.Errors[0].Message}");
        }

        if (positional.Count == 0)
        {
            return Invalid(stderr, terminationLog, $"{args[0]}: ROOT is required\n{Usage}");
        }

        var root = positional[0];
        if (!Directory.Exists(root))
        {
            return Invalid(stderr, terminationLog, $"{args[0]}: {root} is not a directory (is the cache volume mounted there?)");
        }

        if (args[0] == List)
        {
            if (positional.Count > 1)
            {
                return Invalid(stderr, terminationLog, $"{List} takes one ROOT, got {positional.Count} arguments");
            }

            var scan = CacheScanner.Scan(root);
            Report(stdout, terminationLog, CacheReportWriter.Listing(scan, int.MaxValue), CacheReportWriter.Listing(scan, TerminationMessage.MaxBytes));
            return CacheCommandExitCodes.Ok;
        }

        var keys = positional.Skip(1).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return Invalid(stderr, terminationLog, $"{Remove}: name at least one KEY");
        }

        if (keys.FirstOrDefault(k => !IsKey(k)) is { } bad)
        {
            // Nothing is removed when any key is not exactly a key: no paths, no globs, no traversal.
            return Invalid(stderr, terminationLog, $"{Remove}: \"{bad}\" is not a cache key (16 lowercase hex characters); nothing was removed");
        }

        var result = CacheRemover.Remove(root, keys);
        Report(stdout, terminationLog, CacheReportWriter.Removal(result, int.MaxValue), CacheReportWriter.Removal(result, TerminationMessage.MaxBytes));
        foreach (var (key, error) in result.Failed)
        {
            stderr.WriteLine($"{Remove}: {key}: {error}");
        }

        return result.Failed.Count == 0 ? CacheCommandExitCodes.Ok : CacheCommandExitCodes.NotAllRemoved;
    }

    public static bool IsKey(string text) => KeyPattern().IsMatch(text);

    private static void Report(TextWriter stdout, string terminationLog, string full, string shortened)
    {
        stdout.WriteLine(full);
        WriteTerminationLog(terminationLog, shortened);
    }

    private static int Invalid(TextWriter stderr, string terminationLog, string message)
    {
        var line = TerminationMessage.Format(FailureReason.InvalidArguments, message.Split('\n')[0]);
        stderr.WriteLine(message.Contains('\n', StringComparison.Ordinal) ? message : line);
        WriteTerminationLog(terminationLog, line);
        return (int)FailureReason.InvalidArguments;
    }

    private static void WriteTerminationLog(string path, string text)
    {
        try
        {
            if (File.Exists(path) || !path.StartsWith("/dev/", StringComparison.Ordinal))
            {
                File.WriteAllText(path, text);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: stdout has the report.
        }
    }

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex KeyPattern();
}
