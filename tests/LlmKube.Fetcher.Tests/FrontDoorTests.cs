using System.Runtime.InteropServices;
using LlmKube.Fetcher.Front;
using LlmKube.Fetcher.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// The image's llmkube-fetch is the front binary: it answers a verified hit itself and execs the engine for anything
/// else (src/LlmKube.Fetcher/Front/FrontDoor.cs). It must say exactly what the engine says for a hit, and decline
/// everything else without writing a byte, so the engine alone decides and reports it.
/// </summary>
public sealed class FrontDoorTests() : ServedModelTest(200_000, 11)
{
    private const string Key = "0123456789abcdef01234567";

    private string Model => Tmp.Combine("models", Key, "m.gguf");

    private string[] Fetch(params string[] extra) =>
        ["fetch", "--source", Source, "--dest", Model, "--progress", "none", "--sha256", TestData.Sha256(Data), .. extra];

    private static (bool Served, string Stderr) Front(IReadOnlyList<string> args)
    {
        var stderr = new StringWriter();
        var served = FrontDoor.TryServeHit(args, InProcess.WithLoopback(null), stderr, isTerminal: false, TimeProvider.System);
        return (served, stderr.ToString());
    }

    [Fact]
    public async Task A_verified_hit_is_answered_with_the_engine_s_own_lines_and_no_request()
    {
        var download = await InProcess.RunAsync(Fetch());
        Assert.True(download.ExitCode == 0, download.Stderr);
        var engineHit = await InProcess.RunAsync(Fetch());
        Assert.True(engineHit.ExitCode == 0, engineHit.Stderr);
        Hub.ResetCounters();

        var (served, stderr) = Front(Fetch());

        Assert.True(served, stderr);
        Assert.Equal(engineHit.Stderr, stderr);
        Assert.Contains("cache hit: " + Model + " (sha256 verified)", stderr, StringComparison.Ordinal);
        Assert.Equal(0, Hub.DataRequests);
    }

    [Fact]
    public async Task Anything_but_a_verified_hit_is_declined_without_a_word()
    {
        Assert.Equal((false, ""), Front(Fetch())); // nothing downloaded yet
        var download = await InProcess.RunAsync(Fetch());
        Assert.True(download.ExitCode == 0, download.Stderr);
        Assert.True(Front(Fetch()).Served);

        Assert.Equal((false, ""), Front(Fetch("--refresh", "OnChange")));
        Assert.Equal((false, ""), Front(Fetch("--no-such-flag")));
        Assert.Equal((false, ""), Front(["fetch", "--source", Source, "--dest", Model, "--sha256", new string('0', 64)]));
        Assert.Equal((false, ""), Front(["--version"]));
        Assert.Equal((false, ""), Front(["fetch", "--help"]));
        Assert.Equal((false, ""), Front(["prep", "--path", Tmp.Path]));
        Assert.Equal((false, ""), Front(["cache", "list", "--path", Tmp.Path]));
        Assert.Equal((false, ""), Front([]));

        // A status change since the hash (the file may have been rewritten): only the engine may hash and decide.
        File.SetUnixFileMode(Model, File.GetUnixFileMode(Model));
        Assert.Equal((false, ""), Front(Fetch()));
    }

    [Fact]
    public void Without_the_engine_the_front_fails_with_a_termination_line_that_names_the_missing_path()
    {
        var front = Tmp.Combine("image", "usr", "local", "bin");
        Directory.CreateDirectory(front);
        var engine = Tmp.Combine("image", "usr", "local", "libexec", "llmkube-fetch");
        Assert.Equal(engine, FrontDoor.EnginePath(front));
        Assert.False(File.Exists(engine)); // an existing engine would replace this test process

        var stderr = new StringWriter();
        var code = FrontDoor.RunEngine(["fetch"], front, new StringWriter(), stderr);

        Assert.Equal((int)FailureReason.Internal, code);
        Assert.Equal($"reason=Internal message=cannot start the fetcher's engine {engine}: no such file or directory; the image ships it at ../libexec/llmkube-fetch from llmkube-fetch",
            stderr.ToString().TrimEnd());
    }

    [Fact]
    public async Task A_planted_llmkube_fetch_on_PATH_or_in_the_cache_volume_is_never_what_the_front_execs()
    {
        // An attacker who can write to the cache volume (or set PATH) plants an executable named like the engine. The
        // front must only ever exec the engine beside itself: with that engine missing, it fails and names it.
        var front = FrontInLayout();
        var marker = Tmp.Combine("planted-ran");
        var planted = new List<string>();
        foreach (var dir in new[] { Tmp.Combine("evil"), Tmp.Combine("models"), Tmp.Combine("models", Key) })
        {
            Directory.CreateDirectory(dir);
            var fake = Path.Combine(dir, "llmkube-fetch");
            File.WriteAllText(fake, $"#!/bin/sh\ntouch {marker}\n");
            File.SetUnixFileMode(fake, (UnixFileMode)Convert.ToInt32("755", 8));
            planted.Add(dir);
        }

        var env = FrontEnvironment();
        env["PATH"] = string.Join(':', planted) + ":" + Environment.GetEnvironmentVariable("PATH");
        var r = await FetcherProcess.RunAsync(Fetch("--refresh", "OnChange"), env, program: front);

        Assert.Equal((int)FailureReason.Internal, r.ExitCode);
        Assert.Contains("cannot start the fetcher's engine " + Tmp.Combine("layout", "libexec", "llmkube-fetch"), r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "a planted llmkube-fetch ran");
    }

    [Fact]
    public async Task The_front_binary_execs_the_engine_with_every_argument_and_answers_the_next_hit_alone()
    {
        // The image's layout: bin/ holds the front, libexec/llmkube-fetch the engine (here its apphost, by a link).
        var front = FrontInLayout();
        Directory.CreateDirectory(Tmp.Combine("layout", "libexec"));
        var engineLink = Tmp.Combine("layout", "libexec", "llmkube-fetch");
        File.CreateSymbolicLink(engineLink, Path.Combine(BuiltExecutables.FetcherDirectory, "llmkube-fetch"));
        var env = FrontEnvironment();

        var miss = await FetcherProcess.RunAsync(Fetch("--allow-file-root", "/a path/with spaces"), env, program: front);
        Assert.True(miss.ExitCode == 0, miss.Stderr);
        Assert.Equal(Data, File.ReadAllBytes(Model));
        Assert.Contains("done: " + Model, miss.Stderr, StringComparison.Ordinal);

        File.Delete(engineLink);
        Hub.ResetCounters();
        var hit = await FetcherProcess.RunAsync(Fetch(), env, program: front);
        Assert.True(hit.ExitCode == 0, hit.Stderr);
        Assert.Contains("cache hit: " + Model + " (sha256 verified)", hit.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Hub.DataRequests);

        var refresh = await FetcherProcess.RunAsync(Fetch("--refresh", "OnChange"), env, program: front);
        Assert.Equal((int)FailureReason.Internal, refresh.ExitCode);
        Assert.Contains("reason=Internal message=cannot start the fetcher's engine " + engineLink, refresh.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The JIT-built front copied to layout/bin (the image's /usr/local/bin), and the command that runs it.</summary>
    private string[] FrontInLayout()
    {
        var bin = Tmp.Combine("layout", "bin");
        Directory.CreateDirectory(bin);
        foreach (var file in Directory.GetFiles(BuiltExecutables.OutputOf("LlmKube.Fetcher.Front")))
        {
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        }

        return ["dotnet", Path.Combine(bin, "llmkube-fetch-front.dll")];
    }

    private static Dictionary<string, string> FrontEnvironment() => new()
    {
        ["LLMKUBE_ALLOWED_NETWORKS"] = InProcess.LoopbackAllowed,
        ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
    };
}
