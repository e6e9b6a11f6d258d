using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using LlmKube.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>What the next data response (CDN or /files) does wrong.</summary>
public sealed record Fault(int Status = 0, long DropAfterBytes = -1, long ShortAfterBytes = -1, TimeSpan Delay = default, bool NoRanges = false);

/// <summary>
/// An in-test hub-like server on Kestrel: `/{org}/{repo}/resolve/{rev}/{path}` answers like huggingface.co (302 to an
/// absolute CDN URL on another host, 127.0.0.2, with X-Linked-Etag/X-Linked-Size/X-Repo-Commit; 401 without the token
/// on gated repos; 404), `/cdn/{sha}` and `/files/{name}` serve bytes with ranges and ETags, and a queue of faults
/// (drop the connection mid-stream, short body, slow first byte, 5xx) applies to data responses.
/// </summary>
public sealed class HubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, HubFile> _files = new();
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, string> _gated = new();
    private long _dataBytes;
    private int _dataRequests;
    private int _resolveRequests;

    private HubServer(WebApplication app, int port, bool https)
    {
        _app = app;
        Port = port;
        Scheme = https ? "https" : "http";
    }

    public int Port { get; }

    public string Scheme { get; }

    public string Endpoint => $"{Scheme}://127.0.0.1:{Port}";

    public ConcurrentQueue<Fault> Faults { get; } = new();

    public ConcurrentBag<string> AuthorizationSeenByCdn { get; } = new();

    public long DataBytes => Interlocked.Read(ref _dataBytes);

    public int DataRequests => Volatile.Read(ref _dataRequests);

    public int ResolveRequests => Volatile.Read(ref _resolveRequests);

    public static async Task<HubServer> StartAsync(X509Certificate2? certificate = null)
    {
        var port = LocalPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            foreach (var address in new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2") })
            {
                k.Listen(address, port, l =>
                {
                    if (certificate is not null)
                    {
                        l.UseHttps(certificate);
                    }
                });
            }
        });
        var app = builder.Build();
        var server = new HubServer(app, port, certificate is not null);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Adds a file to a repo. LFS files redirect to the CDN and announce their sha256 (or <paramref name="announce"/>).</summary>
    public void AddFile(string repo, string path, byte[] data, string revision = "main", bool lfs = true, string? announce = null)
    {
        var sha = TestData.Sha256(data);
        _blobs[sha] = data;
        _files[$"{repo}@{revision}/{path}"] = new HubFile(data, sha, lfs, announce ?? sha);
    }

    public void AddPlain(string name, byte[] data) => _blobs["files/" + name] = data;

    public void Gate(string repo, string token) => _gated[repo] = token;

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _dataBytes, 0);
        Interlocked.Exchange(ref _dataRequests, 0);
        Interlocked.Exchange(ref _resolveRequests, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            AuthorizationSeenByCdn.Add(ctx.Request.Headers.Authorization.ToString());
            await ServeBlobAsync(ctx, path[5..]);
            return;
        }

        if (path.StartsWith("/files/", StringComparison.Ordinal))
        {
            await ServeBlobAsync(ctx, "files/" + path[7..]);
            return;
        }

        var seg = path.Trim('/').Split('/', 5);
        if (seg.Length == 5 && seg[2] == "resolve")
        {
            Interlocked.Increment(ref _resolveRequests);
            var repo = seg[0] + "/" + seg[1];
            var rev = Uri.UnescapeDataString(seg[3]);
            var file = Uri.UnescapeDataString(seg[4]);
            if (_gated.TryGetValue(repo, out var token) && ctx.Request.Headers.Authorization.ToString() != "Bearer " + token)
            {
                ctx.Response.StatusCode = 401;
                ctx.Response.Headers["X-Error-Code"] = "GatedRepo";
                return;
            }

            if (!_files.TryGetValue($"{repo}@{rev}/{file}", out var f))
            {
                ctx.Response.StatusCode = 404;
                ctx.Response.Headers["X-Error-Code"] = "EntryNotFound";
                return;
            }

            ctx.Response.Headers["X-Repo-Commit"] = "0123456789abcdef0123456789abcdef01234567";
            if (f.Lfs)
            {
                ctx.Response.StatusCode = 302;
                ctx.Response.Headers["X-Linked-Etag"] = $"\"{f.Announce}\"";
                ctx.Response.Headers["X-Linked-Size"] = f.Data.Length.ToString(CultureInfo.InvariantCulture);
                ctx.Response.Headers.ETag = $"\"{f.Announce}\"";
                ctx.Response.Headers.Location = $"{Scheme}://127.0.0.2:{Port}/cdn/{f.Sha}?X-Amz-Signature=abc&expires=1";
                return;
            }

            await ServeBytesAsync(ctx, f.Data, "\"" + f.Sha[..40] + "\"");
            return;
        }

        ctx.Response.StatusCode = 404;
    }

    private async Task ServeBlobAsync(HttpContext ctx, string key)
    {
        if (!_blobs.TryGetValue(key, out var data))
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        await ServeBytesAsync(ctx, data, "\"" + TestData.Sha256(data)[..16] + "\"");
    }

    private async Task ServeBytesAsync(HttpContext ctx, byte[] data, string etag)
    {
        Interlocked.Increment(ref _dataRequests);
        Faults.TryDequeue(out var fault);
        if (fault?.Delay > TimeSpan.Zero)
        {
            await Task.Delay(fault.Delay, ctx.RequestAborted);
        }

        if (fault is { Status: > 0 })
        {
            ctx.Response.StatusCode = fault.Status;
            return;
        }

        ctx.Response.Headers.ETag = etag;
        if (fault is not { NoRanges: true })
        {
            ctx.Response.Headers.AcceptRanges = "bytes";
        }

        long from = 0, to = data.Length - 1;
        var range = ctx.Request.Headers.Range.ToString();
        var ifRange = ctx.Request.Headers.IfRange.ToString();
        if (fault is not { NoRanges: true } && range.StartsWith("bytes=", StringComparison.Ordinal) && (ifRange.Length == 0 || ifRange == etag))
        {
            var parts = range[6..].Split('-');
            from = long.Parse(parts[0], CultureInfo.InvariantCulture);
            to = parts[1].Length > 0 ? Math.Min(long.Parse(parts[1], CultureInfo.InvariantCulture), data.Length - 1) : data.Length - 1;
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{to}/{data.Length}";
        }

        var length = to - from + 1;
        var isShort = fault is { ShortAfterBytes: >= 0 };
        if (!isShort)
        {
            ctx.Response.ContentLength = length;
        }

        if (HttpMethods.IsHead(ctx.Request.Method))
        {
            return;
        }

        long sent = 0;
        while (sent < length)
        {
            var n = (int)Math.Min(64 * 1024, length - sent);
            if (fault is { DropAfterBytes: >= 0 } && sent + n > fault.DropAfterBytes)
            {
                n = (int)Math.Max(0, fault.DropAfterBytes - sent);
                await ctx.Response.Body.WriteAsync(data.AsMemory((int)(from + sent), n));
                await ctx.Response.Body.FlushAsync();
                Interlocked.Add(ref _dataBytes, n);
                ctx.Abort();
                return;
            }

            if (isShort && sent + n > fault!.ShortAfterBytes)
            {
                n = (int)Math.Max(0, fault.ShortAfterBytes - sent);
                await ctx.Response.Body.WriteAsync(data.AsMemory((int)(from + sent), n));
                Interlocked.Add(ref _dataBytes, n);
                return; // chunked response that ends early and cleanly
            }

            await ctx.Response.Body.WriteAsync(data.AsMemory((int)(from + sent), n));
            sent += n;
            Interlocked.Add(ref _dataBytes, n);
        }
    }

    private sealed record HubFile(byte[] Data, string Sha, bool Lfs, string Announce);
}
