using System.Diagnostics;
using LlmKube.Fetcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 6 of issue 12: an upstream server that trickles one byte a second (never silent long enough for the stall
/// timeout), is slow for ever, or sends a body longer than it announced. A minimum throughput over a window and an
/// overall deadline bound every transfer, and nothing beyond the announced size is written. The runs use the binary
/// (LLMKUBE_FETCH_BIN can point them at another build) with a time limit, so a regression fails instead of hanging.
/// </summary>
public sealed class TransferBoundTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task A_trickle_of_one_byte_a_second_fails_on_the_minimum_throughput()
    {
        await using var server = await HostileServer.StartAsync(TrickleAsync);
        var started = Stopwatch.StartNew();

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", _tmp.Combine("k", "m.gguf"),
            "--min-throughput-bytes-per-second", "1024", "--throughput-window-seconds", "3", "--stall-timeout-seconds", "30"]);

        Assert.True(r.ExitCode == 13, r.Stderr);
        Assert.Contains("minimum throughput", r.ReasonLine, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task The_overall_deadline_ends_a_transfer_that_is_slow_but_never_below_the_minimum()
    {
        await using var server = await HostileServer.StartAsync(ctx => SlowAsync(ctx, bytesPerSecond: 64 * 1024, size: 64L << 20));
        var started = Stopwatch.StartNew();

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", _tmp.Combine("k", "m.gguf"),
            "--min-throughput-bytes-per-second", "1", "--throughput-window-seconds", "3", "--deadline-seconds", "4"],
            new() { ["LLMKUBE_DEADLINE_SECONDS"] = "3600" });

        Assert.True(r.ExitCode == 13, r.Stderr);
        Assert.True(r.ReasonLine?.Contains("deadline of 4 s", StringComparison.Ordinal) == true, r.Stderr);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task The_limits_come_from_the_environment_the_operator_sets()
    {
        await using var server = await HostileServer.StartAsync(TrickleAsync);

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", _tmp.Combine("k", "m.gguf")],
            new() { ["LLMKUBE_MIN_THROUGHPUT_BYTES_PER_SECOND"] = "1024", ["LLMKUBE_THROUGHPUT_WINDOW_SECONDS"] = "3" });

        Assert.True(r.ExitCode == 13, r.Stderr);
        Assert.Contains("minimum throughput", r.ReasonLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_body_after_an_announced_size_is_cut_at_the_size_and_fails_as_IntegrityMismatch()
    {
        const int announced = 1 << 20;
        await using var server = await HostileServer.StartAsync(async ctx =>
        {
            if (ctx.Request.Headers.Range.Count > 0)
            {
                // The probe: no ranges, but a size.
                ctx.Response.ContentLength = announced;
                await ctx.Response.Body.WriteAsync(new byte[announced], ctx.RequestAborted);
                return;
            }

            // The download: chunked, and it never ends.
            var block = new byte[64 * 1024];
            while (!ctx.RequestAborted.IsCancellationRequested)
            {
                await ctx.Response.Body.WriteAsync(block, ctx.RequestAborted);
            }
        });
        var dest = _tmp.Combine("k", "m.gguf");

        var r = await RunAsync(["--source", server.Origin() + "/m.gguf", "--dest", dest]);

        Assert.True(r.ExitCode == 14, r.Stderr);
        Assert.Contains("longer than", r.ReasonLine, StringComparison.Ordinal);
        Assert.False(File.Exists(dest));
        Assert.Empty(Directory.GetFiles(_tmp.Combine("k"), "*partial*"));
    }

    /// <summary>A 1 MiB file without ranges, one byte per second: never silent for a stall timeout, never done.</summary>
    private static Task TrickleAsync(HttpContext ctx) => SlowAsync(ctx, bytesPerSecond: 1, size: 1 << 20);

    private static async Task SlowAsync(HttpContext ctx, int bytesPerSecond, long size)
    {
        ctx.Response.ContentLength = size;
        if (ctx.Request.Headers.Range.Count > 0 && HttpMethods.IsGet(ctx.Request.Method) && ctx.Request.Headers.Range.ToString() == "bytes=0-0")
        {
            // The probe answers at once (no ranges: a single stream follows).
            await ctx.Response.Body.WriteAsync(new byte[size], ctx.RequestAborted);
            return;
        }

        var tick = Math.Max(1, bytesPerSecond / 10);
        for (long sent = 0; sent < size && !ctx.RequestAborted.IsCancellationRequested; sent += tick)
        {
            await ctx.Response.Body.WriteAsync(new byte[tick], ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await Task.Delay(TimeSpan.FromMilliseconds(bytesPerSecond == 1 ? 1000 : 100), ctx.RequestAborted);
        }
    }

    private static async Task<RunResult> RunAsync(string[] args, Dictionary<string, string>? env = null)
    {
        using var p = FetcherProcess.Start(["fetch", "--progress", "none", .. args], env);
        return await p.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
