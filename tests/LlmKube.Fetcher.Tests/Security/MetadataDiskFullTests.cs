using LlmKube.Fetcher.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Fetcher.Tests.Security;

/// <summary>
/// Finding 9 of issue 12: the volume fills up exactly when the fetcher writes its own metadata, the first resume state
/// (right after the preallocation took the last page) or the sidecar (right after a single stream wrote the last
/// page). The promise of OutOfSpace holds there too: the partial is deleted and the space comes back. A 4 MiB tmpfs
/// (tmpfs charges whole pages and nothing for directories) makes the timing exact; as the reliability tests do, the
/// test needs permission to mount one and is skipped otherwise.
/// </summary>
[Collection("reliability")]
public sealed class MetadataDiskFullTests : IDisposable
{
    private const int VolumeBytes = 4 << 20;
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Disk_full_while_writing_the_resume_state_or_the_sidecar_deletes_the_partial(bool ranged)
    {
        Requires.Binary("mount");
        var data = TestData.Random(VolumeBytes, 97);
        await using var server = await HostileServer.StartAsync(ctx => ranged
            ? HostileServer.ServeIgnoringIfRangeAsync(ctx, data, "\"v1\"")
            : WithoutRangesAsync(ctx, data));
        var volume = _tmp.Combine("volume");
        Directory.CreateDirectory(volume);
        Skip.If(await ShellAsync("mount", "-t", "tmpfs", "-o", $"size={VolumeBytes / 1024}k", "tmpfs", volume) != 0, "mounting a tmpfs is not permitted here");
        try
        {
            var entry = Path.Combine(volume, "0123456789abcdef");
            var termLog = _tmp.Combine("termination-log");
            File.WriteAllText(termLog, "");

            using var p = FetcherProcess.Start(["fetch", "--source", server.Origin() + "/m.gguf", "--dest", Path.Combine(entry, "m.gguf"),
                "--progress", "none", "--termination-log", termLog]);
            var r = await p.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.True(r.ExitCode == 16, r.Stderr);
            Assert.StartsWith("reason=OutOfSpace message=", File.ReadAllText(termLog), StringComparison.Ordinal);
            Assert.Equal([".llmkube.lock"], Directory.GetFiles(entry).Select(Path.GetFileName));
            Assert.Equal(VolumeBytes, new DriveInfo(volume).AvailableFreeSpace); // every page came back
        }
        finally
        {
            await ShellAsync("umount", "-l", volume);
        }
    }

    /// <summary>A server that ignores Range: the probe gets 200 with the size, the download one stream.</summary>
    private static async Task WithoutRangesAsync(HttpContext ctx, byte[] data)
    {
        ctx.Response.Headers.ETag = "\"v1\"";
        ctx.Response.ContentLength = data.Length;
        await ctx.Response.Body.WriteAsync(data, ctx.RequestAborted);
    }

    private static async Task<int> ShellAsync(string file, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await p.WaitForExitAsync();
        return p.ExitCode;
    }
}
