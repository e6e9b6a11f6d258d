using System.Net;
using LlmKube.Tests.Shared;

namespace EndToEnd.Tests.Support;

/// <summary>A model source on loopback answering HEAD and GET with a chosen ETag and size, to exercise revalidation.</summary>
internal sealed class TinyHttpSource : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public TinyHttpSource()
    {
        Port = LocalPorts.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string file) => $"http://127.0.0.1:{Port}/{file}";

    public string ETag { get; set; } = "\"v1\"";

    public long Length { get; set; } = 1024;

    /// <summary>False: GET answers headers only (a source announcing hundreds of GiB must never be streamed in a test).</summary>
    public bool ServesBody { get; set; } = true;

    public int Heads;

    public void Dispose()
    {
        // Close alone: on Unix, Stop then Close releases the port and then binds it again to remove the prefix a second
        // time, which throws "Address already in use" when another test's server took the port in between.
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (context.Request.HttpMethod == "HEAD")
            {
                Interlocked.Increment(ref Heads);
            }

            context.Response.Headers["ETag"] = ETag;
            context.Response.ContentLength64 = Length;
            if (context.Request.HttpMethod == "GET" && ServesBody)
            {
                await context.Response.OutputStream.WriteAsync(new byte[Length]);
            }

            context.Response.Close();
        }
    }
}
