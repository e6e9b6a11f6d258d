using System.Text.Json;
using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests;

/// <summary>hf:// against the in-test hub-like server: resolve, 302 to the CDN, announced sha256, tokens, faults.</summary>
public sealed class HubTests : IDisposable
{
    private const string Token = "hf_secret_test_token_123";
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static Task<RunResult> Fetch(HubServer hub, string source, string dest, string? token = null, params string[] extra)
    {
        var env = new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint };
        if (token is not null)
        {
            env["HF_TOKEN"] = token;
        }

        return InProcess.RunAsync(["fetch", "--source", source, "--dest", dest, "--progress", "none", "--chunk-size-mib", "1", .. extra], env);
    }

    [Fact]
    public async Task Resolves_follows_the_CDN_redirect_without_the_token_and_verifies_the_announced_sha256()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(5 << 20);
        hub.AddFile("org/model-GGUF", "model-Q4_K_M.gguf", data, revision: "v1.0");
        hub.Gate("org/model-GGUF", Token);
        var dest = _tmp.Combine("k", "model-Q4_K_M.gguf");

        var r = await Fetch(hub, "hf://org/model-GGUF@v1.0/model-Q4_K_M.gguf", dest, Token);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.All(hub.AuthorizationSeenByCdn, a => Assert.Equal("", a)); // the token never reaches the CDN
        Assert.NotEmpty(hub.AuthorizationSeenByCdn);
        Assert.DoesNotContain(Token, r.Stderr, StringComparison.Ordinal);
        var sidecar = JsonDocument.Parse(File.ReadAllText(_tmp.Combine("k", ".model-Q4_K_M.gguf.llmkube.json"))).RootElement;
        Assert.Equal("hub", sidecar.GetProperty("sha256Check").GetString());
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", sidecar.GetProperty("commit").GetString());
        Assert.DoesNotContain(Token, File.ReadAllText(_tmp.Combine("k", ".model-Q4_K_M.gguf.llmkube.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true")] // O_DIRECT: the last write padded to the page, then cut
    [InlineData("false")] // buffered, the emptyDir setting
    public async Task Drops_inside_a_range_resume_inside_it_with_an_odd_size_and_one_request_per_range_and_retry(string fsync)
    {
        await using var hub = await HubServer.StartAsync();
        // 3 ranges of 4 MiB, the last one 1 MiB + 12,345 bytes: not page-aligned.
        var data = TestData.Random((9 << 20) + 12_345, seed: 18);
        hub.AddFile("org/r", "m.gguf", data);
        hub.Faults.Enqueue(new Fault()); // the resolve probe
        hub.Faults.Enqueue(new Fault(DropAfterBytes: (1 << 20) + 4_321)); // resumes at that byte, inside the range
        hub.Faults.Enqueue(new Fault(ShortAfterBytes: (3 << 20) - 1)); // a short body: resumes one byte before a MiB boundary
        var dest = _tmp.Combine("k", "m.gguf");

        var r = await InProcess.RunAsync(
            ["fetch", "--source", "hf://org/r/m.gguf", "--dest", dest, "--progress", "none", "--chunk-size-mib", "4", "--fsync", fsync],
            new Dictionary<string, string> { ["HF_ENDPOINT"] = hub.Endpoint });

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(data.Length, new FileInfo(dest).Length);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        // 3 ranges, 2 retries and the probe: a retry asks for the rest of its range, never a range per MiB.
        Assert.InRange(hub.DataRequests, 5, 6);
    }

    [Fact]
    public async Task Gated_repo_without_token_is_SourceUnauthorized_and_missing_file_is_SourceNotFound()
    {
        await using var hub = await HubServer.StartAsync();
        hub.AddFile("org/gated", "m.gguf", TestData.Random(1000));
        hub.Gate("org/gated", Token);
        var unauthorized = await Fetch(hub, "hf://org/gated/m.gguf", _tmp.Combine("a", "m.gguf"));
        Assert.Equal(10, unauthorized.ExitCode);
        Assert.StartsWith("reason=SourceUnauthorized message=hf://org/gated@main/m.gguf: HTTP 401", unauthorized.ReasonLine, StringComparison.Ordinal);
        var wrong = await Fetch(hub, "hf://org/gated/m.gguf", _tmp.Combine("b", "m.gguf"), "hf_wrong");
        Assert.Equal(10, wrong.ExitCode);
        Assert.DoesNotContain("hf_wrong", wrong.Stderr, StringComparison.Ordinal);
        var missing = await Fetch(hub, "hf://org/gated/other.gguf", _tmp.Combine("c", "other.gguf"), Token);
        Assert.Equal(11, missing.ExitCode);
        Assert.StartsWith("reason=SourceNotFound", missing.ReasonLine, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_tmp.Combine("a")) && Directory.GetFiles(_tmp.Combine("a"), "*.gguf").Length > 0);
    }

    [Fact]
    public async Task Content_that_differs_from_the_announced_sha256_is_IntegrityMismatch_and_leaves_nothing()
    {
        await using var hub = await HubServer.StartAsync();
        hub.AddFile("org/r", "m.gguf", TestData.Random(3 << 20), announce: new string('a', 64));
        var dest = _tmp.Combine("k", "m.gguf");
        var r = await Fetch(hub, "hf://org/r/m.gguf", dest);
        Assert.Equal(14, r.ExitCode);
        Assert.Contains("the hub announces " + new string('a', 64), r.ReasonLine, StringComparison.Ordinal);
        Assert.Equal([HttpNginxTests.CacheLock(dest)], Directory.GetFiles(_tmp.Combine("k")));

        // An expected sha256 that contradicts the hub fails before any byte moves.
        hub.ResetCounters();
        var data = TestData.Random(1 << 20, 5);
        hub.AddFile("org/r", "n.gguf", data);
        var early = await Fetch(hub, "hf://org/r/n.gguf", _tmp.Combine("k2", "n.gguf"), null, "--sha256", new string('b', 64));
        Assert.Equal(14, early.ExitCode);
        Assert.Contains("nothing downloaded", early.ReasonLine, StringComparison.Ordinal);
        Assert.InRange(hub.DataBytes, 0, 1);
    }

    [Fact]
    public async Task Dropped_connections_short_bodies_slow_responses_and_500s_are_retried_and_resumed()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(6 << 20, 21);
        hub.AddFile("org/r", "m.gguf", data);
        hub.Faults.Enqueue(new Fault(Status: 500));                          // the probe fails once
        hub.Faults.Enqueue(new Fault());                                     // the probe
        hub.Faults.Enqueue(new Fault(DropAfterBytes: 300_000));              // a chunk dies mid-stream
        hub.Faults.Enqueue(new Fault(ShortAfterBytes: 100_000));             // a chunk ends early and cleanly
        hub.Faults.Enqueue(new Fault(Status: 503));
        hub.Faults.Enqueue(new Fault(Delay: TimeSpan.FromSeconds(3)));       // stalls longer than the stall timeout
        var dest = _tmp.Combine("k", "m.gguf");
        var r = await Fetch(hub, "hf://org/r/m.gguf", dest, null, "--connections", "2", "--stall-timeout-seconds", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        // Retries continue inside a chunk where they stopped: little more than the file crossed the wire.
        Assert.InRange(hub.DataBytes, data.Length, data.Length + (4L << 20));
        Assert.Empty(hub.Faults); // every fault was served
    }

    [Fact]
    public async Task A_source_that_keeps_failing_gives_up_with_SourceUnreachable_and_keeps_the_partial_for_resume()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(4 << 20, 22);
        hub.AddFile("org/r", "m.gguf", data);
        hub.Faults.Enqueue(new Fault());
        hub.Faults.Enqueue(new Fault());
        for (var i = 0; i < 20; i++)
        {
            hub.Faults.Enqueue(new Fault(Status: 502));
        }

        var dest = _tmp.Combine("k", "m.gguf");
        var r = await Fetch(hub, "hf://org/r/m.gguf", dest, null, "--connections", "1", "--max-attempts", "3");
        Assert.Equal(13, r.ExitCode);
        Assert.StartsWith("reason=SourceUnreachable", r.ReasonLine, StringComparison.Ordinal);
        Assert.False(File.Exists(dest));
        Assert.Single(Directory.GetFiles(_tmp.Combine("k"), "*.llmkube-partial"));

        hub.Faults.Clear();
        var again = await Fetch(hub, "hf://org/r/m.gguf", dest);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("resuming", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
    }

    [Fact]
    public async Task Multi_file_repo_keeps_nested_paths_and_non_lfs_files_come_from_the_hub_with_the_token()
    {
        await using var hub = await HubServer.StartAsync();
        var a = TestData.Random(2 << 20, 31);
        var b = TestData.Random(1 << 20, 32);
        var config = "{\"a\":1}"u8.ToArray();
        hub.AddFile("org/multi", "model-00001.gguf", a, revision: "abc123");
        hub.AddFile("org/multi", "MTP/draft.gguf", b, revision: "abc123");
        hub.AddFile("org/multi", "config.json", config, revision: "abc123", lfs: false);
        hub.Gate("org/multi", Token);
        var dir = _tmp.Combine("models", "key");
        var env = new Dictionary<string, string>
        {
            ["HF_ENDPOINT"] = hub.Endpoint,
            ["HF_TOKEN"] = Token,
            ["LLMKUBE_SOURCE"] = "hf://org/multi@abc123",
            ["LLMKUBE_DEST_DIR"] = dir,
            ["LLMKUBE_FILES"] = "model-00001.gguf\nMTP/draft.gguf\nconfig.json",
            ["LLMKUBE_SHA256"] = TestData.Sha256(a),
        };
        var r = await InProcess.RunAsync(["fetch", "--progress", "none"], env);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(TestData.Sha256(a), TestData.Sha256OfFile(Path.Combine(dir, "model-00001.gguf")));
        Assert.Equal(TestData.Sha256(b), TestData.Sha256OfFile(Path.Combine(dir, "MTP", "draft.gguf")));
        Assert.Equal(config, File.ReadAllBytes(Path.Combine(dir, "config.json")));
        Assert.True(File.Exists(Path.Combine(dir, "MTP", ".draft.gguf.llmkube.json")));
        Assert.Equal(3, TestData.VisibleFiles(dir).Length);

        hub.ResetCounters();
        var again = await InProcess.RunAsync(["fetch", "--progress", "none"], env);
        Assert.Contains("cache hit: 3 files", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, hub.ResolveRequests + hub.DataRequests);
    }

    [Fact]
    public async Task A_server_without_ranges_gets_one_stream_and_a_drop_restarts_it_from_zero()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random((5 << 20) + 123, 43);
        hub.AddPlain("m.gguf", data);
        hub.Faults.Enqueue(new Fault(NoRanges: true));                               // the probe: 200, no Accept-Ranges
        hub.Faults.Enqueue(new Fault(NoRanges: true, DropAfterBytes: 2_000_000));    // the stream dies
        hub.Faults.Enqueue(new Fault(NoRanges: true));                               // the restart from zero
        var dest = _tmp.Combine("k", "m.gguf");
        var r = await InProcess.FetchAsync(hub.Endpoint + "/files/m.gguf", dest, "--sha256", TestData.Sha256(data));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("single stream", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.Empty(hub.Faults);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task A_single_stream_through_many_more_bytes_than_its_buffers_lands_byte_exact(string fsync)
    {
        // 8 buffers of 1 MiB are each filled five times, and the writer and the hasher read each one at the same time:
        // the file and the hash must still be every byte in order. (When a buffer may be filled again is
        // AlignedBufferTests' rule; a race here is too rare to catch by timing.)
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random((40 << 20) + 77, 44);
        hub.AddPlain("m.gguf", data);
        hub.Faults.Enqueue(new Fault(NoRanges: true)); // the probe
        hub.Faults.Enqueue(new Fault(NoRanges: true)); // the stream
        var dest = _tmp.Combine("k", "m.gguf");
        var r = await InProcess.FetchAsync(hub.Endpoint + "/files/m.gguf", dest, "--sha256", TestData.Sha256(data), "--fsync", fsync);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("single stream", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
    }

    [Fact]
    public async Task Without_fsync_writes_are_buffered_and_the_result_is_the_same()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(3 << 20, 42);
        hub.AddFile("org/r", "m.gguf", data);
        var dest = _tmp.Combine("k", "m.gguf");
        var r = await Fetch(hub, "hf://org/r/m.gguf", dest, null, "--fsync", "false");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("direct I/O", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(TestData.Sha256(data), TestData.Sha256OfFile(dest));
        Assert.True(File.Exists(_tmp.Combine("k", ".m.gguf.llmkube.json")));
    }

    [Fact]
    public async Task Huggingface_resolve_urls_on_the_endpoint_are_treated_as_hub_files()
    {
        await using var hub = await HubServer.StartAsync();
        var data = TestData.Random(1 << 20, 41);
        hub.AddFile("org/r", "sub/m.gguf", data);
        var r = await Fetch(hub, $"{hub.Endpoint}/org/r/resolve/main/sub/m.gguf", _tmp.Combine("k", "m.gguf"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("(hub)", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hf://org", 15)]
    [InlineData("hf://org/repo", 15)]
    [InlineData("hf://org/repo/../../etc/passwd", 15)]
    [InlineData("hf://o rg/repo/m.gguf", 15)]
    [InlineData("pvc://claim/m.gguf", 15)]
    [InlineData("ftp://host/m.gguf", 15)]
    [InlineData("not a url", 15)]
    public async Task Invalid_sources_are_InvalidSource(string source, int exit)
    {
        var r = await InProcess.FetchAsync(source, _tmp.Combine("k", "m.gguf"));
        Assert.Equal(exit, r.ExitCode);
        Assert.StartsWith("reason=InvalidSource", r.ReasonLine, StringComparison.Ordinal);
    }
}
