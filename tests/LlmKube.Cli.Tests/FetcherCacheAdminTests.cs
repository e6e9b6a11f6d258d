using System.Text;
using System.Text.Json.Nodes;
using LlmKube.Cli.Tests.Cluster;

namespace LlmKube.Cli.Tests;

/// <summary>llmkube-fetch cache-ls and cache-rm, the programs the CLI's cache Jobs run, as the built binary.</summary>
public sealed class FetcherCacheAdminTests : IDisposable
{
    private const string Key = "0123456789abcdef";
    private readonly string _root = Directory.CreateTempSubdirectory("llmkube-cacheadmin-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("llmkube-outside-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private static async Task<(int Code, JsonNode? Report, string TerminationLog, string Stdout)> RunAsync(params string[] args)
    {
        var log = Path.GetTempFileName();
        var (code, stdout) = await FakeKubelet.RunFetcherAsync([.. args, "--termination-log", log]);
        var message = await File.ReadAllTextAsync(log);
        File.Delete(log);
        return (code, message.StartsWith('{') ? JsonNode.Parse(message) : null, message, stdout);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("0123456789ABCDEF")]
    [InlineData("0123456789abcde")]
    [InlineData("0123456789abcdef0")]
    [InlineData("/etc")]
    [InlineData("0123456789abcdef/..")]
    [InlineData("*")]
    public async Task Cache_rm_refuses_anything_but_a_key_and_then_removes_nothing(string bad)
    {
        CacheScenario.WriteEntry(_root, Key, "m.gguf", 10, null);

        var (code, _, log, _) = await RunAsync("cache-rm", _root, Key, bad);

        Assert.Equal(2, code);
        Assert.StartsWith("reason=InvalidArguments message=cache-rm: ", log, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(_root, Key)));
    }

    [Fact]
    public async Task Cache_rm_removes_exactly_the_entry_and_never_follows_links_out_of_it()
    {
        var entry = CacheScenario.WriteEntry(_root, Key, "m.gguf", 1000, "https://x.invalid/m.gguf");
        Directory.CreateDirectory(Path.Combine(entry, "sub"));
        File.WriteAllText(Path.Combine(entry, "sub", "part.gguf"), "data");
        File.WriteAllText(Path.Combine(_outside, "precious"), "keep me");
        Directory.CreateSymbolicLink(Path.Combine(entry, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(entry, "file-escape"), Path.Combine(_outside, "precious"));
        var sibling = CacheScenario.WriteEntry(_root, "fedcba9876543210", "n.gguf", 10, null);

        var (code, report, _, stdout) = await RunAsync("cache-rm", _root, Key, "1111111111111111");

        Assert.Equal(0, code);
        Assert.Equal(Key, (string)report!["removed"]![0]!["key"]!);
        Assert.True((long)report["removed"]![0]!["bytes"]! >= 1004);
        Assert.Equal("1111111111111111", (string)report["absent"]![0]!);
        Assert.False(Directory.Exists(entry));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(_outside, "precious")));
        Assert.True(Directory.Exists(sibling));
        Assert.Equal([Path.GetFileName(sibling)], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
        Assert.Equal(report.ToJsonString(), JsonNode.Parse(stdout)!.ToJsonString());
    }

    [Fact]
    public async Task Cache_rm_leaves_a_symlinked_entry_and_a_busy_entry_alone()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, Key), _outside);
        File.WriteAllText(Path.Combine(_outside, "precious"), "keep me");
        var busy = CacheScenario.WriteEntry(_root, "fedcba9876543210", "n.gguf", 10, null);

        int code;
        JsonNode? report;
        using (new FileStream(Path.Combine(busy, ".llmkube.lock"), FileMode.Open, FileAccess.Read, FileShare.None))
        {
            (code, report, _, _) = await RunAsync("cache-rm", _root, Key, "fedcba9876543210");
        }

        Assert.Equal(1, code);
        var failed = report!["failed"]!.AsArray().ToDictionary(f => (string)f!["key"]!, f => (string)f!["error"]!);
        Assert.StartsWith("not a cache entry directory", failed[Key], StringComparison.Ordinal);
        Assert.StartsWith("busy: a fetcher holds the entry's lock", failed["fedcba9876543210"], StringComparison.Ordinal);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(_outside, "precious")));
        Assert.True(Directory.Exists(busy));
    }

    [Fact]
    public async Task Cache_ls_reports_entries_files_records_partials_and_other_things()
    {
        var entry = CacheScenario.WriteEntry(_root, Key, "m.gguf", 1000, "https://x.invalid/m.gguf");
        var stale = CacheScenario.WriteEntry(_root, "fedcba9876543210", "n.gguf", 10, "https://x.invalid/n.gguf");
        File.WriteAllBytes(Path.Combine(stale, "n.gguf"), new byte[20]);
        File.WriteAllBytes(Path.Combine(entry, ".m2.gguf.1a2b3c4d.llmkube-partial"), new byte[300]);
        Directory.CreateDirectory(Path.Combine(_root, "lost+found"));
        File.WriteAllText(Path.Combine(_root, "README"), "hi");

        var (code, report, _, _) = await RunAsync("cache-ls", _root);

        Assert.Equal(0, code);
        var entries = report!["entries"]!.AsArray();
        Assert.Equal([Key, "fedcba9876543210"], entries.Select(e => (string)e!["key"]!));
        var first = entries[0]!;
        Assert.Equal(CacheScenario.Bytes(entry), (long)first["bytes"]!);
        Assert.Equal(300, (long)first["partialBytes"]!);
        Assert.Equal(1, (int)first["fileCount"]!);
        Assert.False((bool)first["busy"]!);
        Assert.Equal("https://x.invalid/m.gguf", (string)first["files"]![0]!["source"]!);
        Assert.Equal("expected", (string)first["files"]![0]!["sha256Check"]!);
        Assert.Null(entries[1]!["files"]![0]!["sha256"]);
        Assert.Equal(["README", "lost+found"], report["other"]!.AsArray().Select(o => (string)o!["name"]!));
        Assert.Null(report["truncated"]);
    }

    [Fact]
    public async Task Cache_ls_keeps_the_termination_message_within_4_KiB_and_says_what_it_left_out()
    {
        for (var i = 0; i < 60; i++)
        {
            CacheScenario.WriteEntry(_root, $"{i:x16}", "model-with-a-long-name.Q4_K_M.gguf", 10, $"https://huggingface.example.invalid/some-org/some-repository-name/resolve/main/model-{i}.gguf");
        }

        var (code, report, log, stdout) = await RunAsync("cache-ls", _root);

        Assert.Equal(0, code);
        Assert.True(Encoding.UTF8.GetByteCount(log) <= 4096, $"{Encoding.UTF8.GetByteCount(log)} bytes");
        Assert.NotNull(report!["truncated"]);
        Assert.Equal(60, JsonNode.Parse(stdout)!["entries"]!.AsArray().Count);
        Assert.Null(JsonNode.Parse(stdout)!["truncated"]);
        Assert.Equal(60, report["entries"]!.AsArray().Count + ((int?)report["omitted"] ?? 0));
    }

    [Fact]
    public async Task Bad_invocations_exit_2_with_a_reason_line()
    {
        var (missing, _, missingLog, _) = await RunAsync("cache-ls", Path.Combine(_root, "nope"));
        var (flag, _, flagLog, _) = await RunAsync("cache-ls", _root, "--bogus");
        var (noKeys, _, noKeysLog, _) = await RunAsync("cache-rm", _root);

        Assert.Equal(2, missing);
        Assert.Contains("is not a directory", missingLog, StringComparison.Ordinal);
        Assert.Equal(2, flag);
        Assert.Contains("unknown flag --bogus", flagLog, StringComparison.Ordinal);
        Assert.Equal(2, noKeys);
        Assert.Contains("name at least one KEY", noKeysLog, StringComparison.Ordinal);
    }
}
