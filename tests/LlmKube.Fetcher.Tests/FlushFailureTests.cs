using System.Globalization;
using LlmKube.Fetcher.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// The cache volume fails: an fsync or a write of the partial download returns EIO. Injected at the system call by
/// strace (`-P` limits it to the partial's descriptors; the kernel never runs the call), against the real binary, nginx
/// and disk. After such a failure nothing written to that file can be trusted (Linux reports a writeback error once and
/// may drop the pages), so a resume would publish whatever the disk returns for chunks the map calls done, and without
/// a sha256 nothing would notice.
/// </summary>
[Collection("reliability")]
public sealed class FlushFailureTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableTheory]
    [InlineData(96, "fsync:error=EIO", "fsync", "an early flush during the transfer")]
    [InlineData(20, "fsync:error=EIO", "fsync", "the final flush before the rename")]
    [InlineData(96, "pwrite64:error=EIO:when=3", "write", "a direct write (each writer's third)")]
    [InlineData(96, "fsync:error=ENOSPC", "fsync", "an early flush on a thin-provisioned volume that ran out of space")]
    public async Task An_IO_error_on_the_partial_stops_the_download_deletes_it_and_the_next_run_starts_over(int sizeMib, string inject, string call, string which)
    {
        Requires.Binary("nginx");
        Requires.Binary("strace");
        Requires.Binary("kill");
        // 4 MiB/s per connection, 1 MiB chunks: a writer waits for the network most of the time, so early flushes start
        // (once 32 MiB are unflushed, TargetFile.EarlyFlushBytes) and a stopped transfer has plenty left to send.
        using var nginx = NginxServer.Start(limitRate: "4m");
        var data = TestData.Random(sizeMib << 20, seed: 31);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var dest = _tmp.Combine("models", "key", "model.gguf");
        var dir = Path.GetDirectoryName(dest)!;
        // No --sha256: the case where nothing after the transfer would catch bytes the disk lost.
        string[] args = ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--progress", "none", "--chunk-size-mib", "1"];

        // 1. An interrupted run leaves a partial with a known name (strace -P needs the path).
        using (var p = FetcherProcess.Start(args))
        {
            await HttpNginxTests.WaitForPartialStateAsync(dest, minDoneChunks: 2, p);
            using var term = System.Diagnostics.Process.Start("kill", ["-TERM", p.Pid.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            Assert.Equal(143, (await p.WaitAsync(TimeSpan.FromSeconds(20))).ExitCode);
        }

        var partial = Assert.Single(Directory.GetFiles(dir, "*.llmkube-partial"));

        // 2. The resuming run, with the call failing with EIO on that file.
        var trace = _tmp.Combine("strace.txt");
        var termLog = _tmp.Combine("termination-log");
        File.WriteAllText(termLog, "");
        var failed = await FetcherProcess.RunAsync([.. args, "--termination-log", termLog],
            prefix: ["strace", "-f", "-qq", "-o", trace, "-P", partial, "-e", "trace=fsync,pwrite64,pwritev,pwritev2", "-e", "inject=" + inject]);
        var syscalls = File.ReadAllLines(trace);
        output.WriteLine($"{which}: {failed.Stderr}");
        var injected = Array.FindIndex(syscalls, l => l.Contains("(INJECTED)", StringComparison.Ordinal));
        Assert.True(injected >= 0, "the call was never made, so it never failed: " + string.Join('\n', syscalls.TakeLast(20)));
        Assert.Contains("resuming", failed.Stderr, StringComparison.Ordinal);

        // A clean, named failure: the volume's fault, not a bug of ours; no stack trace.
        var line = File.ReadAllText(termLog);
        if (inject.Contains("ENOSPC", StringComparison.Ordinal))
        {
            Assert.Equal(16, failed.ExitCode);
            Assert.StartsWith("reason=OutOfSpace message=", line, StringComparison.Ordinal);
            Assert.Contains($"{call} {partial}: no space left on device", line, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(17, failed.ExitCode);
            Assert.StartsWith("reason=CacheNotWritable message=", line, StringComparison.Ordinal);
            Assert.Contains($"{call} {partial}", line, StringComparison.Ordinal);
            Assert.Contains("Input/output error", line, StringComparison.Ordinal);
            Assert.Contains("deleted", line, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", failed.Stderr, StringComparison.Ordinal);

        // It stops at the failure instead of writing the rest of the file into a partial it must throw away: at most
        // one more write per writer (TargetFile checks a background flush after each write) and one that raced the check.
        var writesAfter = syscalls.Skip(injected + 1).Count(l => l.Contains("pwrite", StringComparison.Ordinal) && !l.Contains("resumed>", StringComparison.Ordinal));
        var writesTotal = syscalls.Count(l => l.Contains("pwrite", StringComparison.Ordinal) && !l.Contains("resumed>", StringComparison.Ordinal));
        output.WriteLine($"writes to the partial: {writesTotal}, after the failed call: {writesAfter}");
        Assert.InRange(writesAfter, 0, 4);

        // Nothing of it is kept: neither the data nor a resume map that calls its chunks done.
        Assert.False(File.Exists(dest));
        Assert.Empty(Directory.GetFiles(dir, "*partial*"));

        // 3. The next run downloads everything again and publishes the right bytes.
        var next = await FetcherProcess.RunAsync(args);
        Assert.True(next.ExitCode == 0, next.Stderr);
        Assert.DoesNotContain("resuming", next.Stderr, StringComparison.Ordinal);
        Assert.Contains("downloading", next.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
    }
}
