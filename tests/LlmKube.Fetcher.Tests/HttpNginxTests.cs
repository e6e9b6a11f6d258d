using System.Text.Json;
using LlmKube.Fetcher.Tests.Infrastructure;
using LlmKube.Tests.Shared;

namespace LlmKube.Fetcher.Tests;

/// <summary>Plain http against Debian's nginx: ranges, ETags, If-Range, hits without traffic, OnChange.</summary>
public sealed class HttpNginxTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableFact]
    public async Task Downloads_verifies_and_records_a_sidecar_then_hits_without_traffic()
    {
        Requires.Binary("nginx");
        using var nginx = NginxServer.Start();
        var data = TestData.Random(40 << 20);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var dest = _tmp.Combine("models", "k1", "model.gguf");

        var first = await InProcess.FetchAsync(nginx.Url("model.gguf"), dest, "--sha256", TestData.Sha256(data), "--chunk-size-mib", "4");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.Contains("4 connections", first.Stderr, StringComparison.Ordinal);
        Assert.Equal([dest], TestData.VisibleFiles(_tmp.Combine("models")));
        var sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(dest)!, ".model.gguf.llmkube.json"))).RootElement;
        Assert.Equal(TestData.Sha256(data), sidecar.GetProperty("sha256").GetString());
        Assert.Equal("expected", sidecar.GetProperty("sha256Check").GetString());
        Assert.Equal(data.Length, sidecar.GetProperty("size").GetInt64());
        Assert.StartsWith("\"", sidecar.GetProperty("eTag").GetString(), StringComparison.Ordinal);
        Assert.Equal(nginx.Url("model.gguf"), sidecar.GetProperty("source").GetString());
        // Only dot-files beside the model: partial and state are gone.
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(dest)!), f => f.Contains("partial", StringComparison.Ordinal));

        nginx.ClearLog();
        var second = await InProcess.FetchAsync(nginx.Url("model.gguf"), dest, "--sha256", TestData.Sha256(data));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("cache hit", second.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, nginx.Requests("/model.gguf"));
    }

    [SkippableFact]
    public async Task Sha256_mismatch_deletes_the_temp_file_and_fails()
    {
        Requires.Binary("nginx");
        using var nginx = NginxServer.Start();
        File.WriteAllBytes(Path.Combine(nginx.Root, "m.gguf"), TestData.Random(3 << 20));
        var dest = _tmp.Combine("k", "m.gguf");
        var termLog = _tmp.Combine("termination-log");
        File.WriteAllText(termLog, "");
        var r = await InProcess.FetchAsync(nginx.Url("m.gguf"), dest, "--sha256", new string('0', 64), "--termination-log", termLog);
        Assert.Equal(14, r.ExitCode);
        Assert.StartsWith("reason=IntegrityMismatch message=", File.ReadAllText(termLog), StringComparison.Ordinal);
        Assert.Contains("deleted", r.ReasonLine, StringComparison.Ordinal);
        Assert.False(File.Exists(dest));
        Assert.Equal([CacheLock(dest)], Directory.GetFiles(Path.GetDirectoryName(dest)!));
    }

    [SkippableFact]
    public async Task Missing_file_is_SourceNotFound_and_refused_connection_is_SourceUnreachable()
    {
        Requires.Binary("nginx");
        using var nginx = NginxServer.Start();
        var r = await InProcess.FetchAsync(nginx.Url("nope.gguf"), _tmp.Combine("k", "nope.gguf"));
        Assert.Equal(11, r.ExitCode);
        Assert.StartsWith("reason=SourceNotFound message=", r.ReasonLine, StringComparison.Ordinal);

        var port = LocalPorts.Free();
        var u = await InProcess.FetchAsync($"http://127.0.0.1:{port}/x.gguf", _tmp.Combine("k2", "x.gguf"), "--max-attempts", "2");
        Assert.Equal(13, u.ExitCode);
        Assert.StartsWith("reason=SourceUnreachable message=", u.ReasonLine, StringComparison.Ordinal);
        Assert.False(File.Exists(_tmp.Combine("k2", "x.gguf")));
    }

    [SkippableFact]
    public async Task Resume_after_kill_uses_ranges_and_a_changed_upstream_restarts_from_zero()
    {
        Requires.Binary("nginx");
        // 1 MiB/s per connection: about 8 s per download, the resume state changing every 2 s as four 2 MiB chunks
        // complete, so the poller below sees a partial state even on a loaded machine (at 4 MiB/s a 2 s download once
        // finished before a poll saw six chunks done, and once a 4 s download at 2 MiB/s did too).
        using var nginx = NginxServer.Start(limitRate: "1m");
        var v1 = TestData.Random(32 << 20, seed: 1);
        var file = Path.Combine(nginx.Root, "model.gguf");
        File.WriteAllBytes(file, v1);
        var dest = _tmp.Combine("k", "model.gguf");
        string[] args = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--chunk-size-mib", "2", "--progress", "none"];

        // Kill -9 once about a third is in place, then resume: fewer bytes than the file go over the wire.
        using (var p = FetcherProcess.Start(args))
        {
            await WaitForPartialStateAsync(dest, minDoneChunks: 6, p);
            p.Kill();
            await p.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.False(File.Exists(dest));
        nginx.ClearLog();
        var resumed = await FetcherProcess.RunAsync(args);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("resuming", resumed.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(v1), TestData.Sha256OfFile(dest));
        Assert.InRange(nginx.BytesSent("/model.gguf"), 1, v1.Length - (8L << 20));

        // Interrupt again on a fresh entry, then change the file upstream: the validator differs, so the partial is dropped.
        var dest2 = _tmp.Combine("k2", "model.gguf");
        string[] args2 = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest2, "--chunk-size-mib", "2", "--progress", "none"];
        using (var p = FetcherProcess.Start(args2))
        {
            await WaitForPartialStateAsync(dest2, minDoneChunks: 4, p);
            p.Kill();
            await p.WaitAsync(TimeSpan.FromSeconds(10));
        }

        var v2 = TestData.Random(32 << 20, seed: 2);
        File.WriteAllBytes(file, v2);
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var fresh = await FetcherProcess.RunAsync(args2);
        Assert.True(fresh.ExitCode == 0, fresh.Stderr);
        Assert.Contains("stale partial", fresh.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming", fresh.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(v2), TestData.Sha256OfFile(dest2));
    }

    [SkippableFact]
    public async Task OnChange_revalidates_refetches_on_change_and_keeps_the_copy_when_unreachable()
    {
        Requires.Binary("nginx");
        var dest = _tmp.Combine("k", "m.gguf");
        var v1 = TestData.Random(2 << 20, 3);
        var v2 = TestData.Random(2 << 20, 4);
        int port;
        using (var nginx = NginxServer.Start())
        {
            port = nginx.Port;
            var file = Path.Combine(nginx.Root, "m.gguf");
            File.WriteAllBytes(file, v1);
            Assert.Equal(0, (await InProcess.FetchAsync(nginx.Url("m.gguf"), dest, "--refresh", "OnChange")).ExitCode);

            nginx.ClearLog();
            var same = await InProcess.FetchAsync(nginx.Url("m.gguf"), dest, "--refresh", "OnChange");
            Assert.Contains("revalidated (unchanged)", same.Stderr, StringComparison.Ordinal);
            Assert.Equal(1, nginx.Requests("/m.gguf")); // the probe only
            Assert.InRange(nginx.BytesSent("/m.gguf"), 0, 1);

            File.WriteAllBytes(file, v2); // same size, new ETag: size comparison alone would miss it
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
            var changed = await InProcess.FetchAsync(nginx.Url("m.gguf"), dest, "--refresh", "OnChange");
            Assert.Equal(0, changed.ExitCode);
            Assert.Contains("source changed", changed.Stderr, StringComparison.Ordinal);
            Assert.Equal(TestData.Sha256(v2), TestData.Sha256OfFile(dest));
        }

        var offline = await InProcess.FetchAsync($"http://127.0.0.1:{port}/m.gguf", dest, "--refresh", "OnChange", "--max-attempts", "1");
        Assert.Equal(0, offline.ExitCode);
        Assert.Contains("kept cached copy", offline.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(v2), TestData.Sha256OfFile(dest));
    }

    internal static string CacheLock(string dest) => Path.Combine(Path.GetDirectoryName(dest)!, ".llmkube.lock");

    /// <summary>
    /// Waits until the resume state of a running download lists at least that many chunks. The poller has a thread of
    /// its own (LongRunning): once a poll on the thread pool missed the second in which the state showed enough chunks
    /// (a clean-clone .ci/run), most likely held up behind other test classes' in-process downloads, which block pool
    /// threads.
    /// </summary>
    internal static Task WaitForPartialStateAsync(string dest, int minDoneChunks, FetcherProcess? process = null) =>
        Task.Factory.StartNew(() => PollPartialState(dest, minDoneChunks, process), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void PollPartialState(string dest, int minDoneChunks, FetcherProcess? process)
    {
        var dir = Path.GetDirectoryName(dest)!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(dir))
            {
                foreach (var state in Directory.GetFiles(dir, "*.llmkube-partial.json"))
                {
                    try
                    {
                        var done = Convert.FromBase64String(JsonDocument.Parse(File.ReadAllText(state)).RootElement.GetProperty("done").GetString()!);
                        if (done.Sum(b => System.Numerics.BitOperations.PopCount(b)) >= minDoneChunks)
                        {
                            return;
                        }
                    }
                    catch (Exception e) when (e is IOException or JsonException or FormatException)
                    {
                    }
                }
            }

            Thread.Sleep(10);
        }

        throw new TimeoutException("the download never got far enough: " + process?.Stderr);
    }
}
