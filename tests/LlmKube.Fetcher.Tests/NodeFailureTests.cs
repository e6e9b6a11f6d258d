using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using LlmKube.Fetcher.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmKube.Fetcher.Tests;

/// <summary>
/// What the cache volume and the node do under a resumed download: a volume that fails a call, a node that restarted
/// (its caches gone). Against the real binary, nginx and disk; each test first interrupts a run (SIGTERM) to leave a
/// partial and its resume state.
/// </summary>
[Collection("reliability")]
public sealed class NodeFailureTests(ITestOutputHelper output) : IDisposable
{
    private const int Mib = 1 << 20;
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>
    /// The cache volume fails: an fsync, a write or a read of the partial download returns EIO (or ENOSPC). Injected at the system call by
    /// strace (`-P` limits it to the partial's descriptors; the kernel never runs the call), against the real binary, nginx
    /// and disk. After such a failure nothing written to that file can be trusted (Linux reports a writeback error once and
    /// may drop the pages), so a resume would publish whatever the disk returns for chunks the map calls done, and without
    /// a sha256 nothing would notice.
    /// </summary>
    [SkippableTheory]
    [InlineData(96, "fsync:error=EIO", "fsync", "an early flush during the transfer")]
    [InlineData(20, "fsync:error=EIO", "fsync", "the final flush before the rename")]
    [InlineData(96, "pwrite64:error=EIO:when=3", "write", "a direct write (each writer's third)")]
    [InlineData(96, "fsync:error=ENOSPC", "fsync", "an early flush on a thin-provisioned volume that ran out of space")]
    [InlineData(96, "pread64:error=EIO", "read", "the resume's read-back of a chunk the interrupted run completed")]
    public async Task An_IO_error_on_the_partial_stops_the_download_deletes_it_and_the_next_run_starts_over(int sizeMib, string inject, string call, string which)
    {
        Requires.Binary("strace");
        Skip.If(await ReliabilityTests.RunAsync("strace", "-qq", "-o", "/dev/null", "true") != 0, "strace may not trace here (ptrace not permitted)");
        var (nginx, data, dest, args) = Serve(sizeMib, seed: 31);
        using var served = nginx;
        var dir = Path.GetDirectoryName(dest)!;

        // 1. An interrupted run leaves a partial with a known name (strace -P needs the path).
        var partial = await InterruptAsync(args, dir, state => Chunks(state, "done") >= 2);

        // 2. The resuming run, with the call failing with EIO on that file.
        var trace = _tmp.Combine("strace.txt");
        var termLog = _tmp.Combine("termination-log");
        File.WriteAllText(termLog, "");
        var failed = await FetcherProcess.RunAsync([.. args, "--termination-log", termLog],
            prefix: ["strace", "-f", "-qq", "-o", trace, "-P", partial, "-e", "trace=fsync,pwrite64,pwritev,pwritev2,pread64", "-e", "inject=" + inject]);
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
        var next = await FetchRightFileAsync(args, data, dest);
        Assert.DoesNotContain("resuming", next, StringComparison.Ordinal);
        Assert.Contains("downloading", next, StringComparison.Ordinal);
    }

    /// <summary>
    /// The partial's resume state says which completed chunks an fsync made durable, and in which boot it was written.
    /// After the node restarts, chunks that were complete but not yet durable may read back as zeros or old bytes
    /// (they were in the device's or the page cache). A resume trusts only the durable ones and downloads the others
    /// again; without a sha256 nothing else would notice.
    /// </summary>
    [SkippableFact]
    public async Task After_the_node_restarted_a_resume_trusts_only_the_chunks_an_fsync_made_durable()
    {
        var (nginx, data, dest, args) = Serve(96, seed: 32);
        using var served = nginx;
        var dir = Path.GetDirectoryName(dest)!;

        // 1. Interrupted after an early flush completed (they start once 32 MiB are unflushed) and more chunks followed.
        var partial = await InterruptAsync(args, dir, state => Chunks(state, "durable") >= 1 && Chunks(state, "done") > Chunks(state, "durable"));
        var statePath = partial + ".json";
        var state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        var done = Convert.FromBase64String((string)state["done"]!);
        var durable = Convert.FromBase64String((string)state["durable"]!);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(), (string?)state["bootId"]);
        Assert.True(done.Zip(durable).All(b => (b.Second & ~b.First) == 0), "a chunk is durable but not done");
        Assert.InRange(Count(durable), 32, Count(done) - 1);
        output.WriteLine($"done {Count(done)} chunks, durable {Count(durable)}");

        // 2. The node "restarts": another boot id. Say the first 8 chunks were durable, and make every other completed
        //    chunk read back as zeros, as data lost with a cache would.
        var firstEight = new byte[durable.Length];
        firstEight[0] = 0xFF;
        state["bootId"] = "00000000-0000-0000-0000-000000000000";
        state["durable"] = Convert.ToBase64String(firstEight);
        File.WriteAllText(statePath, state.ToJsonString());
        using (var file = File.OpenHandle(partial, FileMode.Open, FileAccess.Write))
        {
            for (var chunk = 8; chunk < done.Length * 8; chunk++)
            {
                if ((done[chunk >> 3] & (1 << (chunk & 7))) != 0)
                {
                    RandomAccess.Write(file, new byte[Mib], (long)chunk * Mib);
                }
            }
        }

        // 3. The resume keeps the 8 MiB, downloads the rest again, and publishes the right bytes.
        nginx.ClearLog();
        var resumed = await FetchRightFileAsync(args, data, dest);
        Assert.Contains("the node restarted", resumed, StringComparison.Ordinal);
        Assert.Contains("resuming", resumed, StringComparison.Ordinal);
        Assert.Contains("8.0 MiB of 96.0 MiB already present", resumed, StringComparison.Ordinal);
        Assert.InRange(nginx.BytesSent("/model.gguf"), data.Length - (8L * Mib), data.Length - (8L * Mib) + 16);
    }

    /// <summary>
    /// A co-tenant who can write the claim rewrites the resume state: another boot id (so the durable set decides) and a
    /// durable set that is not base64. The state is as writable as the partial itself (docs/SECURITY.md), so the
    /// promise is only that a garbled one is never a crash or a resume: the fetch starts over and publishes the right
    /// file.
    /// </summary>
    [SkippableFact]
    public async Task A_resume_state_with_a_garbled_durable_set_after_a_restart_starts_over()
    {
        var (nginx, data, dest, args) = Serve(48, seed: 33);
        using var served = nginx;
        var partial = await InterruptAsync(args, Path.GetDirectoryName(dest)!, state => Chunks(state, "done") >= 4);
        var statePath = partial + ".json";
        var state = JsonNode.Parse(File.ReadAllText(statePath))!.AsObject();
        state["bootId"] = "another-boot";
        state["durable"] = "not base64 !";
        File.WriteAllText(statePath, state.ToJsonString());

        var run = await FetchRightFileAsync(args, data, dest);
        Assert.Contains("cannot resume", run, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming", run, StringComparison.Ordinal);
    }

    /// <summary>
    /// nginx serving <paramref name="sizeMib"/> MiB at 4 MiB/s per connection, and the fetch command for it in 1 MiB
    /// chunks without a sha256 (the case where nothing after the transfer would catch bytes the disk lost). A writer
    /// waits for the network most of the time, so early flushes start (once 32 MiB are unflushed,
    /// TargetFile.EarlyFlushBytes) and an interrupted transfer has plenty left to send.
    /// </summary>
    private (NginxServer Nginx, byte[] Data, string Dest, string[] Args) Serve(int sizeMib, int seed)
    {
        Requires.Binary("nginx");
        Requires.Binary("kill");
        var nginx = NginxServer.Start(limitRate: "4m");
        var data = TestData.Random(sizeMib * Mib, seed);
        File.WriteAllBytes(Path.Combine(nginx.Root, "model.gguf"), data);
        var dest = _tmp.Combine("models", "key", "model.gguf");
        return (nginx, data, dest, ["fetch", "--source", nginx.Url("model.gguf"), "--dest", dest, "--progress", "none", "--chunk-size-mib", "1"]);
    }

    /// <summary>Runs the fetch to the end: it succeeds and publishes <paramref name="data"/> at <paramref name="dest"/>; returns its stderr.</summary>
    private async Task<string> FetchRightFileAsync(string[] args, byte[] data, string dest)
    {
        var run = await FetcherProcess.RunAsync(args);
        output.WriteLine(run.Stderr);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        return run.Stderr;
    }

    /// <summary>Runs the fetch until its saved resume state satisfies <paramref name="ready"/>, then SIGTERM; returns the partial's path.</summary>
    private static async Task<string> InterruptAsync(string[] args, string dir, Func<JsonObject, bool> ready)
    {
        using (var p = FetcherProcess.Start(args))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!p.HasExited && DateTime.UtcNow < deadline && !(Directory.Exists(dir) && Directory.GetFiles(dir, "*.llmkube-partial.json").Any(s => ReadState(s) is { } state && ready(state))))
            {
                await Task.Delay(10);
            }

            Assert.False(p.HasExited, "the fetch ended before it could be interrupted: " + p.Stderr);
            using var term = System.Diagnostics.Process.Start("kill", ["-TERM", p.Pid.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            Assert.Equal(143, (await p.WaitAsync(TimeSpan.FromSeconds(20))).ExitCode);
        }

        return Assert.Single(Directory.GetFiles(dir, "*.llmkube-partial"));
    }

    private static JsonObject? ReadState(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static int Chunks(JsonObject state, string bitmap) =>
        state[bitmap] is JsonValue v && v.TryGetValue<string>(out var b64) ? Count(Convert.FromBase64String(b64)) : 0;

    private static int Count(byte[] bits) => bits.Sum(b => BitOperations.PopCount(b));
}
