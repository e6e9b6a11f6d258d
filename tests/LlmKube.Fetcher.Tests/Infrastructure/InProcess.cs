namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>Runs the fetcher's entry point inside the test process (fast; no process start).</summary>
public static class InProcess
{
    /// <summary>
    /// The test servers listen on loopback, which the fetcher refuses by default (SSRF policy): every run is given the
    /// allow-list a private mirror needs, unless the test sets its own (the SSRF tests narrow it).
    /// </summary>
    public const string LoopbackAllowed = "127.0.0.0/8";

    public static async Task<RunResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, CancellationToken ct = default)
    {
        var sw = new StringWriter();
        var writer = TextWriter.Synchronized(sw);
        var code = await App.RunAsync([.. args], WithLoopback(env), writer, isTerminal: false, TimeProvider.System, ct);
        return new RunResult(code, sw.ToString());
    }

    /// <summary><paramref name="env"/> plus LLMKUBE_ALLOWED_NETWORKS=127.0.0.0/8 unless it names its own.</summary>
    public static Dictionary<string, string> WithLoopback(IReadOnlyDictionary<string, string>? env)
    {
        var all = new Dictionary<string, string>(env ?? new Dictionary<string, string>());
        all.TryAdd("LLMKUBE_ALLOWED_NETWORKS", LoopbackAllowed);
        return all;
    }

    public static Task<RunResult> FetchAsync(string source, string dest, params string[] extra) =>
        RunAsync(["fetch", "--source", source, "--dest", dest, "--progress", "none", .. extra]);
}
