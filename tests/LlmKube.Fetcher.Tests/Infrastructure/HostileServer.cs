using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using LlmKube.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>One request as the hostile server saw it.</summary>
public sealed record SeenRequest(string Host, string Method, string PathAndQuery, string Authorization, string Range, string IfRange);

/// <summary>
/// An upstream server we do not control, on Kestrel: the test decides every answer (redirects anywhere, bodies that
/// change between requests, trickles, bodies longer than announced). It listens on 127.0.0.1 and 127.0.0.2 with the
/// same port, so a redirect to the second address is a redirect to another origin, and it records every request.
/// </summary>
public sealed class HostileServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostileServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>The origin on <paramref name="host"/> (127.0.0.1 or 127.0.0.2).</summary>
    public string Origin(string host = "127.0.0.1") => $"http://{host}:{Port}";

    public static async Task<HostileServer> StartAsync(Func<HttpContext, Task> handler)
    {
        var port = LocalPorts.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Limits.MinResponseDataRate = null; // a trickle is the point of some tests
            foreach (var address in new[] { IPAddress.Loopback, IPAddress.Parse("127.0.0.2") })
            {
                k.Listen(address, port);
            }
        });
        var app = builder.Build();
        var server = new HostileServer(app, port);
        app.Run(async ctx =>
        {
            var r = ctx.Request;
            server.Requests.Enqueue(new SeenRequest(r.Host.Host, r.Method, r.Path + r.QueryString, r.Headers.Authorization.ToString(),
                r.Headers.Range.ToString(), r.Headers.IfRange.ToString()));
            await handler(ctx);
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>
    /// Serves <paramref name="data"/> with the given validators (null: none), honouring Range but never If-Range (what
    /// a careless cache does).
    /// </summary>
    public static async Task ServeIgnoringIfRangeAsync(HttpContext ctx, byte[] data, string? etag, string? lastModified = null)
    {
        if (etag is not null)
        {
            ctx.Response.Headers.ETag = etag;
        }

        if (lastModified is not null)
        {
            ctx.Response.Headers.LastModified = lastModified;
        }

        ctx.Response.Headers.AcceptRanges = "bytes";
        long from = 0, to = data.Length - 1;
        var range = ctx.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range[6..].Split('-');
            from = long.Parse(parts[0], CultureInfo.InvariantCulture);
            to = parts[1].Length > 0 ? Math.Min(long.Parse(parts[1], CultureInfo.InvariantCulture), data.Length - 1) : data.Length - 1;
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {from}-{to}/{data.Length}";
        }

        ctx.Response.ContentLength = to - from + 1;
        await ctx.Response.Body.WriteAsync(data.AsMemory((int)from, (int)(to - from + 1)), ctx.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
