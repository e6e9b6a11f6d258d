using LlmKube.Fetcher.Tests.Infrastructure;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 8 of issue 12: every failure a user or an upstream server can cause ends with a documented reason, never
/// with exit 70 and a stack trace. File names that would not fit NAME_MAX (255 bytes) once the fetcher's dot-files
/// (up to 35 more bytes) sit beside them are refused before any network traffic. (A redirect to file:// is in
/// <see cref="SsrfTests"/>.)
/// </summary>
public sealed class FailureMappingTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    public static TheoryData<string[]> LongNames => new()
    {
        { ["--dest", "{dir}/" + new string('a', 236) + ".gguf"] },
        { ["--dest", "{dir}/" + new string('é', 111)] }, // 222 bytes in UTF-8, 111 characters
        { ["--dest-dir", "{dir}", "--file", new string('b', 240) + ".gguf"] },
        { ["--dest-dir", "{dir}", "--file", new string('c', 256) + "/m.gguf"] },
    };

    [Theory]
    [MemberData(nameof(LongNames))]
    public async Task A_file_name_that_would_not_fit_NAME_MAX_with_the_dot_files_is_InvalidSource_before_any_request(string[] args)
    {
        await using var server = await HostileServer.StartAsync(ctx => HostileServer.ServeIgnoringIfRangeAsync(ctx, new byte[1000], "\"v\""));
        var dir = _tmp.Combine("models", "0123456789abcdef");

        var r = await RunAsync(["--source", server.Origin() + "/" + new string('a', 236) + ".gguf", .. args.Select(a => a.Replace("{dir}", dir, StringComparison.Ordinal))]);

        Assert.True(r.ExitCode == 15, r.Stderr);
        Assert.Contains("NAME_MAX", r.ReasonLine, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
        Assert.Empty(TestData.VisibleFiles(_tmp.Path));
    }

    [Fact]
    public async Task The_longest_name_that_fits_is_fetched_with_every_dot_file_beside_it()
    {
        var name = new string('m', 215) + ".gguf"; // 220 bytes: the longest allowed
        var data = TestData.Random(3 << 20, 96);
        await using var server = await HostileServer.StartAsync(ctx => HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\""));
        var dest = _tmp.Combine("models", "0123456789abcdef", name);

        // Killed once mid-transfer would leave the longest dot-files (resume state and its temp); a full run creates them all.
        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", dest, "--chunk-size-mib", "1"]);

        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(data, File.ReadAllBytes(dest));
        Assert.True(File.Exists(_tmp.Combine("models", "0123456789abcdef", "." + name + ".llmkube.json")));
    }

    [Fact]
    public async Task A_source_announcing_an_absurd_size_is_IntegrityMismatch_not_a_crash()
    {
        await using var server = await HostileServer.StartAsync(async ctx =>
        {
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ETag = "\"v\"";
            ctx.Response.Headers.ContentRange = $"bytes 0-0/{long.MaxValue}";
            ctx.Response.ContentLength = 1;
            await ctx.Response.Body.WriteAsync(new byte[1]);
        });

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", _tmp.Combine("k", "m.gguf")]);

        Assert.True(r.ExitCode == 14, r.Stderr);
        Assert.Empty(Directory.Exists(_tmp.Combine("k")) ? Directory.GetFiles(_tmp.Combine("k"), "*partial*") : []);
    }

    private static async Task<RunResult> RunAsync(string[] args)
    {
        using var p = FetcherProcess.Start(["fetch", "--progress", "none", .. args]);
        return await p.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
