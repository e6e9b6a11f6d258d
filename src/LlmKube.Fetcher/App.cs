using System.Collections;
using System.CommandLine;
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
    /// <summary>This binary's version: Version in Directory.Build.props, as for the operator, the CLI and the chart.</summary>
    public static string Version { get; } =
        typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The first log line of every `fetch` run, the engine's and the front binary's alike.</summary>
    public static string VersionLogLine => $"version {Version}";

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

        if (args.Length == 0 || args[0] is "-h" or "--help" or "help" || args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            // The help System.CommandLine writes from the declarations: the whole tool, or one verb.
            var line = new FetcherCommandLine();
            var verb = args.Length > 1 ? line.Root.Subcommands.FirstOrDefault(c => c.Name == args[0]) : null;
            var help = (verb ?? (Command)line.Root).Parse(["--help"]);
            help.Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
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
                    using (var deadline = new CancellationTokenSource(options.Deadline, time))
                    using (var run = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token))
                    using (var reporter = new ProgressReporter(stderr, options.Progress, isTerminal, time))
                    {
                        reporter.Log(VersionLogLine);
                        try
                        {
                            await new FetchCommand(new FetchContext(options, reporter, time)).RunAsync(run.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
                        {
                            throw new FetchException(FailureReason.SourceUnreachable,
                                $"the overall deadline of {options.Deadline.TotalSeconds:F0} s (--deadline-seconds, LLMKUBE_DEADLINE_SECONDS) passed; a later run resumes the transfer", e);
                        }
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
                stderr.WriteLine(Redaction.Text(e.ToString()));
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
