using System.Collections;
using System.Runtime.InteropServices;
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

    public static async Task<int> RunAsync(string[] args, TextWriter stderr, TimeProvider time)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stderr.WriteLine(Usage);
            return args.Length == 0 ? (int)FailureReason.InvalidArguments : 0;
        }

        // Socket continuations on the epoll thread: ~45 % less client CPU for a single-purpose downloader. It is read
        // when the first socket is created, so setting it here (unless the user chose) still takes effect.
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }

        using var cts = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        var termLog = TerminationLog.DefaultPath;
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
                    var options = FetchOptionsParser.Parse(args[1..], ReadEnvironment());
                    termLog = options.TerminationLogPath;
                    using (var reporter = new ProgressReporter(stderr, options.Progress, !Console.IsErrorRedirected, time))
                    {
                        await new FetchCommand(new FetchContext(options, reporter, time)).RunAsync(cts.Token).ConfigureAwait(false);
                    }

                    return 0;
                default:
                    throw FetchOptionsParser.Usage($"unknown command '{args[0]}'\n{Usage}");
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            stderr.WriteLine("llmkube-fetch: interrupted; a later run resumes the transfer");
            return 143;
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

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            cts.Cancel();
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
