using System.Collections;
using System.Reflection;
using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Fetch;
using LlmKube.Fetcher.Prep;
using LlmKube.Fetcher.Progress;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace LlmKube.Fetcher;

/// <summary>Entry point: `prep` and `fetch`; every failure ends as one `reason=… message=…` line and a documented exit code.</summary>
internal static class App
{
    public const string Usage = """
        usage:
          llmkube-fetch prep DIR --owner UID:GID --mode MODE
          llmkube-fetch fetch [--source URL] [--dest PATH | --dest-dir DIR --file REL...] [--sha256 HEX]
                              [--refresh IfNotPresent|OnChange] [--connections N] [--ca-dir DIR]
                              [--allow-file-root DIR...] [--progress auto|lines|none]
        fetch also reads LLMKUBE_* , HF_TOKEN, HF_ENDPOINT and AWS_* from the environment (see README); flags win.
        """;

    /// <summary>This binary's version: Version in Directory.Build.props, as for the operator, the CLI and the chart.</summary>
    public static string Version { get; } =
        typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Exit code after SIGTERM/SIGINT (128 + 15).</summary>
    public const int ExitInterrupted = 143;

    public static async Task<int> RunAsync(string[] args, IReadOnlyDictionary<string, string> env, TextWriter stderr, bool isTerminal,
        TimeProvider time, CancellationToken ct)
    {
        if (args is ["--version"])
        {
            Console.Out.WriteLine(Version);
            return 0;
        }

        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stderr.WriteLine(Usage);
            return args.Length == 0 ? (int)FailureReason.InvalidArguments : 0;
        }

        var termLog = TerminationMessage.DefaultPath;
        try
        {
            switch (args[0])
            {
                case "prep":
                    var prep = PrepCommand.Parse(args[1..]);
                    termLog = prep.TerminationLogPath;
                    PrepCommand.Run(prep, stderr);
                    return 0;
                case "fetch":
                    var options = FetchOptionsParser.Parse(args[1..], env);
                    termLog = options.TerminationLogPath;
                    using (var reporter = new ProgressReporter(stderr, options.Progress, isTerminal, time))
                    {
                        reporter.Log($"version {Version}");
                        await new FetchCommand(new FetchContext(options, reporter, time)).RunAsync(ct).ConfigureAwait(false);
                    }

                    return 0;
                case CacheAdmin.CacheAdminCommand.List or CacheAdmin.CacheAdminCommand.Remove: return CacheAdmin.CacheAdminCommand.Run(args, Console.Out, stderr);
                default:
                    throw FetchOptionsParser.Usage($"unknown command '{args[0]}'");
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            stderr.WriteLine("llmkube-fetch: interrupted; a later run resumes the transfer");
            return ExitInterrupted;
        }
        catch (Exception e)
        {
            var failure = FailureClassifier.Classify(e);
            new TerminationLog(termLog, stderr).Write(failure.Reason, failure.Message);
            if (failure.Reason == FailureReason.Internal)
            {
                stderr.WriteLine(e.ToString());
            }

            return (int)failure.Reason;
        }
    }

    internal static Dictionary<string, string> ReadEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && e.Value is string v)
            {
                env[k] = v;
            }
        }

        return env;
    }
}
