using System.Diagnostics;
using System.Globalization;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Findings 2 and 3 of issue 12 from the fetcher's side: a co-tenant on a shared cache volume plants symbolic links,
/// fifos and links to /dev/zero where the fetcher keeps its entry directory, lock, sidecar and model file. None of
/// them is taken for a cache hit, read, followed, or allowed to hang a process; every run ends within its timeout
/// (a regression fails the test instead of hanging CI) and SIGTERM stays effective.
/// </summary>
public sealed class CacheEntryTamperingTests() : ServedModelTest(200_000, 71)
{
    private const string Key = "0123456789abcdef";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_symlinked_entry_directory_is_not_a_hit_and_nothing_is_written_through_it()
    {
        var elsewhere = await FilledEntryAsync("elsewhere");
        var models = Tmp.Combine("models");
        Directory.CreateDirectory(models);
        Directory.CreateSymbolicLink(Path.Combine(models, Key), elsewhere);
        var before = Snapshot(elsewhere);
        Hub.ResetCounters();

        var r = await InProcess.FetchAsync(Source, Path.Combine(models, Key, "m.gguf"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("cache hit", r.Stderr, StringComparison.Ordinal);
        Assert.Null(new DirectoryInfo(Path.Combine(models, Key)).LinkTarget);
        Assert.Equal(Data, File.ReadAllBytes(Path.Combine(models, Key, "m.gguf")));
        Assert.True(Hub.DataRequests > 0);
        Assert.Equal(before, Snapshot(elsewhere));
    }

    [Fact]
    public async Task A_symlinked_model_file_with_a_copied_sidecar_is_not_a_hit_and_is_replaced_not_written_through()
    {
        var elsewhere = await FilledEntryAsync("elsewhere");
        var entry = Tmp.Combine("models", Key);
        Directory.CreateDirectory(entry);
        File.CreateSymbolicLink(Path.Combine(entry, "m.gguf"), Path.Combine(elsewhere, "m.gguf"));
        File.Copy(Path.Combine(elsewhere, ".m.gguf.llmkube.json"), Path.Combine(entry, ".m.gguf.llmkube.json"));
        var before = Snapshot(elsewhere);
        Hub.ResetCounters();

        var r = await InProcess.FetchAsync(Source, Path.Combine(entry, "m.gguf"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("cache hit", r.Stderr, StringComparison.Ordinal);
        Assert.Null(new FileInfo(Path.Combine(entry, "m.gguf")).LinkTarget);
        Assert.True(Hub.DataRequests > 0);
        Assert.Equal(before, Snapshot(elsewhere));
    }

    [Fact]
    public async Task A_model_rewritten_in_place_behind_its_sidecar_is_not_a_hit_when_the_model_names_a_sha256()
    {
        // Issue 19: a co-tenant who may write the claim rewrites the model's bytes, keeping size and mtime, so the
        // sidecar still describes the file. With an expected sha256 the hit is verified, never taken on trust.
        var sha = TestData.Sha256(Data);
        var dir = Tmp.Combine("models", Key);
        var first = await InProcess.FetchAsync(Source, Path.Combine(dir, "m.gguf"), "--sha256", sha);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var model = Path.Combine(dir, "m.gguf");
        var mtime = File.GetLastWriteTimeUtc(model);
        using (var forged = new FileStream(model, FileMode.Open, FileAccess.Write))
        {
            forged.Write(TestData.Random(4096, 99));
        }

        File.SetLastWriteTimeUtc(model, mtime);
        Hub.ResetCounters();

        var r = await InProcess.FetchAsync(Source, model, "--sha256", sha);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.False(r.Stderr.Contains("cache hit", StringComparison.Ordinal), r.Stderr);
        Assert.Contains("not the expected", r.Stderr, StringComparison.Ordinal);
        Assert.True(Hub.DataRequests > 0);
        Assert.Equal(Data, File.ReadAllBytes(model));

        // The untouched copy is a verified hit without a download.
        Hub.ResetCounters();
        var again = await InProcess.FetchAsync(Source, model, "--sha256", sha);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("m.gguf (sha256 verified)", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, Hub.DataRequests);
    }

    [Fact]
    public async Task A_lock_file_that_links_elsewhere_is_replaced_and_its_target_is_not_touched()
    {
        var target = Tmp.Combine("private-file");
        File.WriteAllText(target, "private");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var entry = Tmp.Combine("models", Key);
        Directory.CreateDirectory(entry);
        File.CreateSymbolicLink(Path.Combine(entry, ".llmkube.lock"), target);

        var r = await InProcess.FetchAsync(Source, Path.Combine(entry, "m.gguf"));

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(target));
        Assert.Equal("private", File.ReadAllText(target));
        Assert.Null(new FileInfo(Path.Combine(entry, ".llmkube.lock")).LinkTarget);
    }

    [Fact]
    public async Task A_sidecar_that_links_to_dev_zero_is_not_read_by_fetch_or_cache_ls()
    {
        var entry = await FilledEntryAsync(Path.Combine("models", Key));
        File.Delete(Path.Combine(entry, ".m.gguf.llmkube.json"));
        File.CreateSymbolicLink(Path.Combine(entry, ".m.gguf.llmkube.json"), "/dev/zero");

        var fetch = await RunAsync(["fetch", "--source", Source, "--dest", Path.Combine(entry, "m.gguf"), "--progress", "none"]);
        var list = await RunAsync(["cache-ls", Tmp.Combine("models")]);

        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Null(new FileInfo(Path.Combine(entry, ".m.gguf.llmkube.json")).LinkTarget); // replaced by a real record
    }

    [SkippableTheory]
    [InlineData(".m.gguf.llmkube.json")]
    [InlineData(".llmkube.lock")]
    public async Task A_fifo_in_place_of_a_sidecar_or_the_lock_hangs_neither_fetch_nor_cache_ls_nor_cache_rm(string name)
    {
        Requires.Binary("mkfifo");
        var entry = await FilledEntryAsync(Path.Combine("models", Key));
        File.Delete(Path.Combine(entry, name));
        Shell($"mkfifo '{Path.Combine(entry, name)}'");
        if (name == ".llmkube.lock")
        {
            File.Delete(Path.Combine(entry, "m.gguf")); // not a hit: the fetcher needs the lock
        }

        var fetch = await RunAsync(["fetch", "--source", Source, "--dest", Path.Combine(entry, "m.gguf"), "--progress", "none"]);
        var list = await RunAsync(["cache-ls", Tmp.Combine("models")]);
        Shell($"rm -f '{Path.Combine(entry, name)}' && mkfifo '{Path.Combine(entry, name)}'");
        var remove = await RunAsync(["cache-rm", Tmp.Combine("models"), Key]);

        Assert.True(fetch.ExitCode == 0, fetch.Stderr);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.True(remove.ExitCode == 0, remove.Stderr);
        Assert.False(Directory.Exists(entry));
    }

    [SkippableFact]
    public async Task A_file_source_that_is_a_fifo_or_a_device_is_refused_without_being_read()
    {
        Requires.Binary("mkfifo");
        var root = Tmp.Combine("host-models");
        Directory.CreateDirectory(root);
        Shell($"mkfifo '{Path.Combine(root, "m.gguf")}'");

        var fifo = await RunAsync(["fetch", "--source", "file://" + Path.Combine(root, "m.gguf"), "--dest", Tmp.Combine("c", "k1", "m.gguf"), "--allow-file-root", root, "--progress", "none"]);
        var zero = await RunAsync(["fetch", "--source", "file:///dev/zero", "--dest", Tmp.Combine("c", "k2", "m.gguf"), "--allow-file-root", "/dev", "--progress", "none"]);

        Assert.True(fifo.ExitCode == 15, fifo.Stderr);
        Assert.Contains("not a regular file", fifo.ReasonLine, StringComparison.Ordinal);
        Assert.True(zero.ExitCode == 15, zero.Stderr);
        Assert.Empty(TestData.VisibleFiles(Tmp.Combine("c")));
    }

    [Fact]
    public async Task SIGTERM_ends_a_process_blocked_in_a_system_call()
    {
        // cache-ls with a report larger than a pipe holds, written to a stdout nobody reads: the process blocks in
        // write(2), where no cancellation token reaches it. Kubelet's SIGTERM must still end it, before SIGKILL.
        for (var i = 0; i < 1500; i++)
        {
            Directory.CreateDirectory(Tmp.Combine("models", i.ToString("x16", CultureInfo.InvariantCulture)));
        }

        var command = FetcherProcess.Command();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1).Concat(["cache-ls", Tmp.Combine("models"), "--termination-log", Tmp.Combine("no-such-dir", "log")]))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(3)); // start-up, scan, then stuck in write(2) with a full pipe
        Assert.False(p.HasExited, "cache-ls finished: the report fit in the pipe, so nothing blocked");
        Shell($"kill -TERM {p.Id}");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            Assert.Fail("SIGTERM did not end a process blocked in write(2) within 20 s");
        }

        Assert.Equal(143, p.ExitCode);
    }

    /// <summary>A real entry filled by the fetcher: model file and its sidecar.</summary>
    private async Task<string> FilledEntryAsync(string relative)
    {
        var dir = Tmp.Combine(relative);
        var r = await InProcess.FetchAsync(Source, Path.Combine(dir, "m.gguf"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return dir;
    }

    /// <summary>Runs the fetcher binary; a run still going after the limit is killed and fails the test.</summary>
    private static async Task<RunResult> RunAsync(string[] args)
    {
        using var p = FetcherProcess.Start(args);
        try
        {
            return await p.WaitAsync(Limit);
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"llmkube-fetch {string.Join(' ', args)} hung: {e.Message}");
            throw;
        }
    }

    private static string Snapshot(string dir) => string.Join("\n", Directory.GetFiles(dir).Order(StringComparer.Ordinal)
        .Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length} {TestData.Sha256OfFile(f)} {File.GetUnixFileMode(f)}"));

    private static void Shell(string script)
    {
        using var p = Process.Start(new ProcessStartInfo("bash", ["-c", script]))!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
