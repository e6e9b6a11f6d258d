namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>Runs the fetcher's entry point inside the test process (fast; no process start).</summary>
public static class InProcess
{
    public static async Task<RunResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, CancellationToken ct = default)
    {
        var sw = new StringWriter();
        var writer = TextWriter.Synchronized(sw);
        var code = await App.RunAsync([.. args], env ?? new Dictionary<string, string>(), writer, isTerminal: false, TimeProvider.System, ct);
        return new RunResult(code, sw.ToString());
    }

    public static Task<RunResult> FetchAsync(string source, string dest, params string[] extra) =>
        RunAsync(["fetch", "--source", source, "--dest", dest, "--progress", "none", .. extra]);
}
