using System.Diagnostics;
using LlmKube.Fetcher.Prep;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// prep: chown/chmod of the directory itself by direct syscalls. The success path needs root (tests run as root here
/// and in CI); the refusal path runs the real binary as an unprivileged uid, and as root without CAP_CHOWN, through
/// setpriv. What this cannot show: the exact capability set of a real pod under a container runtime.
/// </summary>
public sealed class PrepTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static bool IsRoot => Environment.UserName == "root" || GetUid() == "0";

    [SkippableFact]
    public async Task Chowns_and_chmods_only_the_directory_itself()
    {
        Skip.IfNot(IsRoot, "chown to another owner needs root");
        var root = _tmp.Combine("models");
        Directory.CreateDirectory(Path.Combine(root, "0ba1f9ccf7335581"));
        File.WriteAllText(Path.Combine(root, "0ba1f9ccf7335581", "f"), "x");
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));

        var r = await InProcess.RunAsync(["prep", root, "--owner", "0:3000", "--mode", "g+rwX"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("0:3000", Stat(root, "%u:%g"));
        Assert.Equal("775", Stat(root, "%a"));
        Assert.Equal("0:0", Stat(Path.Combine(root, "0ba1f9ccf7335581"), "%u:%g")); // never recursive

        var r2 = await FetcherProcess.RunAsync(["prep", root, "--owner", "100:100", "--mode", "0770"]);
        Assert.True(r2.ExitCode == 0, r2.Stderr);
        Assert.Equal("100:100", Stat(root, "%u:%g"));
        Assert.Equal("770", Stat(root, "%a"));
    }

    /// <summary>Issue 19.4: spec.modelCache.claimName may name another workload's claim; before, prep chowned its root.</summary>
    [SkippableFact]
    public async Task A_claim_holding_other_data_is_left_alone()
    {
        Skip.IfNot(IsRoot, "chown to another owner needs root");
        var root = _tmp.Combine("postgres-data");
        Directory.CreateDirectory(Path.Combine(root, "base"));
        File.WriteAllText(Path.Combine(root, "PG_VERSION"), "16");
        File.WriteAllText(Path.Combine(root, ".llmkube-lock"), "");
        File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("700", 8));

        var r = await FetcherProcess.RunAsync(["prep", root, "--owner", "0:3000", "--mode", "g+rwX"]);

        Assert.Equal((int)LlmKube.Contracts.FailureReason.CacheNotWritable, r.ExitCode);
        Assert.Contains("holds data that is not a model cache (PG_VERSION, base)", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(("0:0", "700"), (Stat(root, "%u:%g"), Stat(root, "%a")));

        // Empty, or only lost+found: prepared as before.
        var fresh = _tmp.Combine("fresh");
        Directory.CreateDirectory(Path.Combine(fresh, "lost+found"));
        var ok = await FetcherProcess.RunAsync(["prep", fresh, "--owner", "0:3000", "--mode", "g+rwX"]);
        Assert.True(ok.ExitCode == 0, ok.Stderr);
        Assert.Equal("0:3000", Stat(fresh, "%u:%g"));
    }

    [SkippableFact]
    public async Task Unprivileged_uid_gets_a_clear_CacheNotWritable()
    {
        Requires.Binary("setpriv");
        var root = _tmp.Combine("models");
        Directory.CreateDirectory(root);
        var r = await FetcherProcess.RunAsync(["prep", root, "--owner", "0:102", "--mode", "g+rwX", "--termination-log", "/nonexistent/log"],
            prefix: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        Assert.Equal(17, r.ExitCode);
        Assert.StartsWith("reason=CacheNotWritable message=prep: chown 0:102", r.ReasonLine, StringComparison.Ordinal);
        Assert.Contains("operation not permitted (needs uid 0 with CAP_CHOWN", r.ReasonLine, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Root_without_CAP_CHOWN_is_refused_too()
    {
        Requires.Binary("setpriv");
        Skip.IfNot(IsRoot, "needs root to drop a capability from");
        var root = _tmp.Combine("models");
        Directory.CreateDirectory(root);
        var r = await FetcherProcess.RunAsync(["prep", root, "--owner", "1234:1234", "--mode", "0770"],
            prefix: ["setpriv", "--inh-caps=-chown", "--bounding-set=-chown", "--"]);
        Assert.Equal(17, r.ExitCode);
        Assert.Contains("CAP_CHOWN", r.ReasonLine, StringComparison.Ordinal);
        Assert.Equal("0:0", Stat(root, "%u:%g"));
    }

    [Fact]
    public async Task Missing_directory_and_bad_arguments_are_reported()
    {
        var missing = await InProcess.RunAsync(["prep", _tmp.Combine("nope"), "--owner", "0:1", "--mode", "0770"]);
        Assert.Equal(17, missing.ExitCode);
        Assert.Contains("does not exist (is the cache volume mounted?)", missing.ReasonLine, StringComparison.Ordinal);
        var badOwner = await InProcess.RunAsync(["prep", _tmp.Path, "--owner", "root:root", "--mode", "0770"]);
        Assert.Equal(2, badOwner.ExitCode);
        var badMode = await InProcess.RunAsync(["prep", _tmp.Path, "--owner", "0:0", "--mode", "g+z"]);
        Assert.Equal(2, badMode.ExitCode);
        var noMode = await InProcess.RunAsync(["prep", _tmp.Path, "--owner", "0:0"]);
        Assert.Equal(2, noMode.ExitCode);
    }

    [Fact]
    public void EPERM_maps_to_CacheNotWritable_with_the_capability_named()
    {
        var e = PrepCommand.Failure("chown 0:1 /models", Native.Libc.EPERM, "CAP_CHOWN");
        Assert.Equal(FailureReason.CacheNotWritable, e.Reason);
        Assert.Contains("needs uid 0 with CAP_CHOWN", e.Message, StringComparison.Ordinal);
        Assert.Equal(FailureReason.CacheNotWritable, PrepCommand.Failure("x", Native.Libc.EROFS, "CAP_CHOWN").Reason);
    }

    private static string Stat(string path, string format) => Run("stat", "-c", format, path).Trim();

    private static string GetUid() => Run("id", "-u").Trim();

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}
