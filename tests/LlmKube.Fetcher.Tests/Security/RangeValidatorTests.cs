using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 5 of issue 12: an upstream server that ignores If-Range and serves a new version halfway through a ranged
/// transfer. The fetcher never publishes a file made of two versions: every range must carry the probed validator, a
/// mismatch restarts from zero. The runs use the binary (LLMKUBE_FETCH_BIN can point them at another build).
/// </summary>
public sealed class RangeValidatorTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_server_that_ignores_If_Range_and_changes_version_mid_transfer_never_yields_a_mixed_file(bool withETag)
    {
        var v1 = TestData.Random(6 << 20, 91);
        var v2 = TestData.Random(6 << 20, 92);
        var requests = 0;
        await using var server = await HostileServer.StartAsync(ctx =>
        {
            // The probe and the first three ranges see version 1; everything after sees version 2, answered 206 whatever If-Range says.
            var n = Interlocked.Increment(ref requests);
            var (data, tag, modified) = n <= 4 ? (v1, "\"v1\"", "Mon, 01 Jan 2024 00:00:00 GMT") : (v2, "\"v2\"", "Tue, 02 Jan 2024 00:00:00 GMT");
            return HostileServer.ServeIgnoringIfRangeAsync(ctx, data, withETag ? tag : null, modified);
        });
        var dest = _tmp.Combine("k", "m.gguf");

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", dest, "--chunk-size-mib", "1", "--connections", "1"]);

        var published = File.Exists(dest) ? File.ReadAllBytes(dest) : null;
        Assert.True(published is null || published.AsSpan().SequenceEqual(v1) || published.AsSpan().SequenceEqual(v2),
            $"published a file that is neither version (exit {r.ExitCode}): {r.Stderr}");
        Assert.True(r.ExitCode == 0 ? published is not null : published is null, r.Stderr);
        Assert.Contains("changed", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_range_whose_total_size_differs_from_the_probe_is_a_change_not_a_chunk()
    {
        var v1 = TestData.Random(3 << 20, 93);
        var v2 = TestData.Random(4 << 20, 94);
        var requests = 0;
        await using var server = await HostileServer.StartAsync(ctx =>
            HostileServer.ServeIgnoringIfRangeAsync(ctx, Interlocked.Increment(ref requests) <= 2 ? v1 : v2, "\"same-etag\""));
        var dest = _tmp.Combine("k", "m.gguf");

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", dest, "--chunk-size-mib", "1", "--connections", "1"]);

        var published = File.Exists(dest) ? File.ReadAllBytes(dest) : null;
        Assert.True(published is null || published.AsSpan().SequenceEqual(v1) || published.AsSpan().SequenceEqual(v2), r.Stderr);
    }

    private static async Task<RunResult> RunAsync(string[] args, Dictionary<string, string>? env = null)
    {
        using var p = FetcherProcess.Start(["fetch", "--progress", "none", .. args], env);
        return await p.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
