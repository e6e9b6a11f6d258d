using LlmKube.Fetcher.Cli;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Fetch;
using LlmKube.Fetcher.Native;
using LlmKube.Fetcher.Progress;

namespace LlmKube.Fetcher.Front;

/// <summary>
/// The image's <c>llmkube-fetch</c> is the front binary (src/LlmKube.Fetcher.Front): it answers a verified cache hit
/// itself and hands everything else to this project's binary, the engine, by exec. A Native AOT binary's start-up grows
/// with its size (the runtime rehydrates its data section page by page, each page a fault), and the hit is what every
/// pod start after the first pays; the front holds only the argument parser and the hit check (bench/fetch/README.md).
/// </summary>
internal static class FrontDoor
{
    /// <summary>The engine, relative to the front binary's directory: /usr/local/bin/llmkube-fetch → /usr/local/libexec/llmkube-fetch.</summary>
    public const string EngineRelativePath = "../libexec/llmkube-fetch";

    public static string EnginePath(string frontDirectory) => Path.GetFullPath(Path.Combine(frontDirectory, EngineRelativePath));

    /// <summary>
    /// Answers <c>fetch</c> when it is a verified hit (<see cref="FetchCommand.VerifiedHit"/>), with the engine's own
    /// log lines. Anything else returns false having written nothing, arguments the engine rejects included: the engine
    /// then decides and reports it.
    /// </summary>
    public static bool TryServeHit(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env, TextWriter stderr, bool isTerminal, TimeProvider time)
    {
        if (args is not ["fetch", ..])
        {
            return false;
        }

        FetchOptions options;
        VerifiedHitReport? hit;
        try
        {
            options = FetchOptionsParser.Parse([.. args.Skip(1)], env);
            hit = FetchCommand.VerifiedHit(options);
        }
#pragma warning disable CA1031 // Any failure here is the engine's to classify and report; the front only declines.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        if (hit is null)
        {
            return false;
        }

        using var reporter = new ProgressReporter(stderr, options.Progress, isTerminal, time);
        reporter.Log(App.VersionLogLine);
        reporter.Log(hit.Message);
        return true;
    }

    /// <summary>Runs the engine in this process's place with the same arguments; returns only when that fails.</summary>
    public static int RunEngine(IReadOnlyList<string> args, string frontDirectory, TextWriter stdout, TextWriter stderr)
    {
        var engine = EnginePath(frontDirectory);
        stdout.Flush();
        stderr.Flush();
        var errno = Libc.Exec(engine, [engine, .. args]);
        new TerminationLog(TerminationMessage.DefaultPath, stderr).Write(FailureReason.Internal,
            $"cannot start the fetcher's engine {engine}: {Libc.Describe(errno)}; the image ships it at {EngineRelativePath} from llmkube-fetch");
        return (int)FailureReason.Internal;
    }
}
