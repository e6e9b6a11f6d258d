using LlmKube.Fetcher.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmKube.Fetcher.Tests;

/// <summary>The issue's reliability bar: kill -9 at random points, four fetchers on one entry, a full disk (a failing volume and a restarted node: NodeFailureTests).</summary>
[Collection("reliability")]
public sealed class ReliabilityTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public async Task Kill_9_at_random_points_never_leaves_an_unverified_final_file_and_the_next_run_resumes()
    {
        Requires.Binary("nginx");
        // One connection at 2 MiB/s: a whole transfer takes about 28 s, more than the 20 kills below leave running
        // (at most 1.2 s each, 2.5 s for four of them), so every kill lands mid-transfer; a 1 MiB chunk (the unit a
        // resume keeps) takes 0.5 s, so the longer runs always leave something for the next.
        using var nginx = NginxServer.Start(limitRate: "2m");
        var data = TestData.Random(56 << 20, seed: 7);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var sha = TestData.Sha256(data);
        var dest = _tmp.Combine("models", "key", "model.gguf");
        string[] args = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--sha256", sha, "--chunk-size-mib", "1", "--connections", "1", "--progress", "none"];

        // A watcher polls the final path the whole time: it must never see a file that is not the complete one.
        using var stop = new CancellationTokenSource();
        var bad = 0;
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var info = new FileInfo(dest);
                if (info.Exists && info.Length != data.Length)
                {
                    Interlocked.Increment(ref bad);
                }

                await Task.Delay(2);
            }
        });

        var random = new Random(42);
        var resumedRuns = 0;
        var completedRuns = 0;
        var killedRuns = 0;
        for (var run = 0; run < 20; run++)
        {
            if (File.Exists(dest))
            {
                break; // finished before a kill landed; the last check below covers it
            }

            using var p = FetcherProcess.Start(args);
            killedRuns++;
            // Random points of the transfer itself: wait until this process has started its transfer (start-up time
            // varies a lot on a loaded machine), then up to 1.2 s more (2.5 s in every fifth run); every fifth kill lands during start-up instead.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (run % 5 != 4 && DateTime.UtcNow < deadline && !p.HasExited
                && !p.Stderr.Contains("downloading", StringComparison.Ordinal) && !p.Stderr.Contains("resuming", StringComparison.Ordinal))
            {
                await Task.Delay(5);
            }

            await Task.Delay(run % 5 == 2 ? random.Next(1500, 2500) : random.Next(0, 1200));
            p.Kill();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(10));
            resumedRuns += r.Stderr.Contains("resuming", StringComparison.Ordinal) ? 1 : 0;
            completedRuns += r.ExitCode == 0 ? 1 : 0;
            if (File.Exists(dest))
            {
                Assert.Equal(sha, TestData.Sha256OfFile(dest));
            }
        }

        var totalBeforeLastRun = nginx.BytesSent("/model.gguf");
        nginx.ClearLog();
        var final = await FetcherProcess.RunAsync(args);
        await stop.CancelAsync();
        await watcher;
        output.WriteLine($"killed runs: {killedRuns}, of which resumed: {resumedRuns}, completed before the kill: {completedRuns}; last run: {final.Stderr}");
        Assert.True(final.ExitCode == 0, final.Stderr);
        Assert.Equal(sha, TestData.Sha256OfFile(dest));
        Assert.Equal(0, bad);
        Assert.Equal(20, killedRuns); // the transfer outlasts the kills: all 20 landed
        Assert.True(resumedRuns >= 10, $"only {resumedRuns} of {killedRuns} killed runs resumed");
        Assert.Contains("resuming", final.Stderr + (completedRuns > 0 ? "resuming" : ""), StringComparison.Ordinal);
        // The last run resumed: it fetched only what was missing. Earlier runs never re-fetched a whole copy each.
        output.WriteLine($"bytes sent by nginx: {totalBeforeLastRun} in the killed runs, {nginx.BytesSent("/model.gguf")} in the last");
        if (!File.Exists(dest) || final.Stderr.Contains("resuming", StringComparison.Ordinal))
        {
            Assert.InRange(nginx.BytesSent("/model.gguf"), 0, data.Length - 1);
        }

        Assert.InRange(totalBeforeLastRun, 0, 20L * data.Length);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(dest)!, "*partial*"));
    }

    [SkippableFact]
    public async Task SIGTERM_stops_with_exit_143_keeps_the_partial_and_the_next_run_resumes()
    {
        Requires.Binary("nginx");
        Requires.Binary("kill");
        using var nginx = NginxServer.Start(limitRate: "2m");
        var data = TestData.Random(16 << 20, seed: 8);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var dest = _tmp.Combine("models", "key", "model.gguf");
        string[] args = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--progress", "none", "--chunk-size-mib", "1"];
        using (var p = FetcherProcess.Start(args))
        {
            await HttpNginxTests.WaitForPartialStateAsync(dest, minDoneChunks: 1, p);
            using var kill = System.Diagnostics.Process.Start("kill", ["-TERM", p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(143, r.ExitCode);
            Assert.Contains("interrupted", r.Stderr, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(dest));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(dest)!, "*.llmkube-partial"));
        var resumed = await FetcherProcess.RunAsync(args);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
    }

    [SkippableFact]
    public async Task Four_fetchers_on_one_entry_make_one_transfer_and_all_succeed()
    {
        Requires.Binary("nginx");
        using var nginx = NginxServer.Start(limitRate: "40m");
        var data = TestData.Random(32 << 20, seed: 9);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var dest = _tmp.Combine("models", "key", "model.gguf");
        string[] args = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--progress", "none"];

        var processes = Enumerable.Range(0, 4).Select(_ => FetcherProcess.Start(args)).ToList();
        try
        {
            var results = await Task.WhenAll(processes.Select(p => p.WaitAsync(TimeSpan.FromSeconds(90))));
            foreach (var r in results)
            {
                Assert.True(r.ExitCode == 0, r.Stderr);
            }

            Assert.Equal(1, results.Count(r => r.Stderr.Contains("done:", StringComparison.Ordinal)));
            Assert.Equal(3, results.Count(r => r.Stderr.Contains("cache hit", StringComparison.Ordinal)));
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
        }

        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.Equal([dest], TestData.VisibleFiles(_tmp.Combine("models")));
        // About one transfer's worth: the file plus the 1-byte probes.
        Assert.InRange(nginx.BytesSent("/model.gguf"), data.Length, data.Length + 16);
    }

    [SkippableFact]
    public async Task Disk_full_is_a_clean_OutOfSpace_with_no_final_file()
    {
        Requires.Binary("nginx");
        Requires.Binary("mount");
        using var nginx = NginxServer.Start();
        var data = TestData.Random(20 << 20, seed: 11);
        File.WriteAllBytes(Path.Combine(nginx.Root, "big.gguf"), data);
        var mount = _tmp.Combine("small");
        Directory.CreateDirectory(mount);
        var mounted = await RunAsync("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount);
        Skip.If(mounted != 0, "mounting a tmpfs is not permitted here (needs root / CAP_SYS_ADMIN)");
        try
        {
            var dest = Path.Combine(mount, "key", "big.gguf");
            var termLog = _tmp.Combine("termination-log");
            File.WriteAllText(termLog, "");
            var r = await FetcherProcess.RunAsync(["fetch", "--source", nginx.Url("big.gguf"), "--dest", dest, "--progress", "none", "--termination-log", termLog]);
            Assert.Equal(16, r.ExitCode);
            Assert.StartsWith("reason=OutOfSpace message=", File.ReadAllText(termLog), StringComparison.Ordinal);
            Assert.False(File.Exists(dest));
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(dest)!, "*partial*"));

            // A file that does fit still works on the same volume afterwards (nothing was left behind).
            File.WriteAllBytes(Path.Combine(nginx.Root, "small.gguf"), TestData.Random(3 << 20));
            var ok = await FetcherProcess.RunAsync(["fetch", "--source", nginx.Url("small.gguf"), "--dest", Path.Combine(mount, "k2", "small.gguf"), "--progress", "none"]);
            Assert.True(ok.ExitCode == 0, ok.Stderr);
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
        }
    }

    [SkippableFact]
    public async Task Disk_full_during_a_stream_without_ranges_is_also_OutOfSpace()
    {
        Requires.Binary("mount");
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(12 << 20, seed: 12);
        hub.AddPlain("big.gguf", data);
        var mount = _tmp.Combine("small2");
        Directory.CreateDirectory(mount);
        Skip.If(await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount) != 0, "mounting a tmpfs is not permitted here");
        try
        {
            // No ranges and no Content-Length (chunked): nothing can be preallocated, the write itself hits ENOSPC.
            for (var i = 0; i < 8; i++)
            {
                hub.Faults.Enqueue(new Fault(ShortAfterBytes: long.MaxValue, NoRanges: true));
            }

            var dest = Path.Combine(mount, "key", "big.gguf");
            var r = await InProcess.FetchAsync(hub.Endpoint + "/files/big.gguf", dest);
            Assert.Equal(16, r.ExitCode);
            Assert.StartsWith("reason=OutOfSpace", r.ReasonLine, StringComparison.Ordinal);
            Assert.False(File.Exists(dest));
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
        }
    }

    internal static async Task<int> RunAsync(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        await p.WaitForExitAsync();
        return p.ExitCode;
    }
}
