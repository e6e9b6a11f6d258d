using System.Net;
using System.Net.Sockets;
using LlmKube.Contracts;

namespace LlmKube.Operator.Controllers;

/// <summary>What a HEAD on a model source said; indeterminate when it could not tell (network, 4xx/5xx).</summary>
public sealed record ProbeResult(bool Determinate, string? ETag, long? ContentLength, string? Error)
{
    public static ProbeResult Indeterminate(string error) => new(false, null, null, error);
}

/// <summary>Reads a source's validator (ETag) and size without downloading it.</summary>
public interface ISourceProbe
{
    Task<ProbeResult> ProbeAsync(string url, CancellationToken cancellationToken);
}

/// <summary>
/// HEAD over HTTP(S), following redirects (the hub answers with a 302 to its CDN). By default it connects only to
/// addresses the fetcher's rule (<see cref="AddressPolicy"/>) permits, so a Model cannot make the operator probe the
/// cluster's internal services (the check runs on the address actually connected to, after DNS).
/// </summary>
public sealed class HttpSourceProbe : ISourceProbe, IDisposable
{
    private readonly HttpClient _http;

    public HttpSourceProbe(bool allowPrivateAddresses, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 10,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = (context, ct) => ConnectAsync(context, allowPrivateAddresses, ct),
        };
        _http = new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("llmkube-operator/0.1");
    }

    public async Task<ProbeResult> ProbeAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return ProbeResult.Indeterminate($"HEAD {Redaction.Url(url)} answered {(int)response.StatusCode}");
            }

            var etag = response.Headers.ETag?.Tag.Trim('"');
            var length = response.Content.Headers.ContentLength;
            return etag is null && length is null
                ? ProbeResult.Indeterminate($"HEAD {Redaction.Url(url)} gave neither ETag nor Content-Length")
                : new ProbeResult(true, etag, length, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or NotSupportedException && !cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Indeterminate($"HEAD {Redaction.Url(url)} failed: {Redaction.Text(e.Message)}");
        }
    }

    public void Dispose() => _http.Dispose();

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, bool allowPrivate, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
        var usable = allowPrivate ? addresses : addresses.Where(AddressPolicy.Default.Permits).ToArray();
        if (usable.Length == 0)
        {
            throw new HttpRequestException($"refusing to probe {context.DnsEndPoint.Host}: it resolves only to private or loopback addresses (start the operator with --allow-private-source-probes to allow it)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
