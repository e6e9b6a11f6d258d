using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmKube.ControllerRuntime;

/// <summary>A small Kestrel server for health, readiness and metrics endpoints.</summary>
internal sealed class ProbeServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProbeServer(WebApplication app)
    {
        _app = app;
    }

    public int Port { get; private set; }

    public static async Task<ProbeServer> StartAsync(string bindAddress, int port, Action<WebApplication> map, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Parse(bindAddress), port));
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new ProbeServer(app);
        var address = app.Services.GetService(typeof(Microsoft.AspNetCore.Hosting.Server.IServer)) is Microsoft.AspNetCore.Hosting.Server.IServer s
            ? s.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            : null;
        server.Port = address != null ? new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port : port;
        return server;
    }

    public static void MapProbes(WebApplication app, Func<bool> healthy, Func<(bool Ready, string Detail)> ready)
    {
        app.MapGet("/healthz", (HttpContext ctx) => healthy()
            ? Results.Text("ok\n")
            : Results.Text("unhealthy\n", statusCode: StatusCodes.Status500InternalServerError));
        app.MapGet("/readyz", (HttpContext ctx) =>
        {
            var (ok, detail) = ready();
            return ok ? Results.Text("ok\n" + detail) : Results.Text("not ready\n" + detail, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
    }

    public static void MapMetrics(WebApplication app, RuntimeMetrics metrics)
    {
        app.MapGet("/metrics", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.ExportAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
