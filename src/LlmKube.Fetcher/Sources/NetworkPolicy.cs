using System.Net;
using System.Net.Sockets;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// Where the fetcher may connect: the address rule (<see cref="AddressPolicy"/>, shared with the operator's HEAD probe)
/// applied by the connect callback to every connection the process makes (every redirect hop, every S3 SDK request),
/// so a name that resolves differently the second time gains nothing. Redirects go only to http and https, never from
/// https down to http.
/// </summary>
internal sealed class NetworkPolicy(AddressPolicy addresses)
{
    public static NetworkPolicy Default { get; } = new(AddressPolicy.Default);

    /// <summary>Parses an allow-list (<see cref="AddressPolicy.Parse"/>); throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static NetworkPolicy Parse(IEnumerable<string> networks) => new(AddressPolicy.Parse(networks));

    /// <summary>
    /// The connect callback of the process's HTTP handler: resolves the name, keeps the permitted addresses, connects to
    /// one of them; a name with none fails with SourceUntrusted before any packet is sent to it.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var resolved = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var permitted = resolved.Where(addresses.Permits).ToArray();
        if (permitted.Length == 0)
        {
            var first = resolved.FirstOrDefault();
            throw new FetchException(FailureReason.SourceUntrusted,
                $"refusing to connect to {host}" + (first is null ? "" : $" ({first}, {AddressPolicy.RestrictionOf(first)} address)")
                + ": loopback, link-local and private addresses are reachable only when allowed (--allow-network, LLMKUBE_ALLOWED_NETWORKS)");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(permitted, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A redirect may go to http or https only, and never from https to http.</summary>
    public static void CheckRedirect(Uri from, Uri to, string display)
    {
        if (to.Scheme is not ("http" or "https"))
        {
            throw new FetchException(FailureReason.SourceUntrusted,
                $"{display}: the server redirected to a {to.Scheme}: URL; redirects are followed to http and https only");
        }

        if (from.Scheme == "https" && to.Scheme == "http")
        {
            throw new FetchException(FailureReason.SourceUntrusted,
                $"{display}: the server redirected from https to plain http ({to.Host}); a redirect never downgrades the transport");
        }
    }

    public override string ToString() => addresses.ToString();
}
