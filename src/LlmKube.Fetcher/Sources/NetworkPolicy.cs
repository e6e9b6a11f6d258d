using System.Net;
using System.Net.Sockets;
using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Sources;

/// <summary>
/// Where the fetcher may connect (docs/SECURITY.md, "upstream servers and redirects"): the SSRF rule the operator's
/// HEAD probe applies too. No loopback, link-local (cloud metadata endpoints), private, shared (CGNAT), unspecified,
/// multicast, documentation or reserved address unless it lies in an explicitly allowed network (a private mirror).
/// The check runs on the address actually connected to, after DNS, for every connection the process makes (every
/// redirect hop, every S3 SDK request), so a name that resolves differently the second time gains nothing. Redirects
/// go only to http and https, never from https down to http.
/// Self-contained on purpose (no dependency but the BCL): it is meant to move to a shared project so that the
/// operator's probe calls this instead of its own copy.
/// </summary>
internal sealed class NetworkPolicy(IReadOnlyList<IPNetwork> allowed)
{
    private static readonly (IPNetwork Network, string What)[] Restricted =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (carrier-grade NAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local (cloud metadata)"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
        (IPNetwork.Parse("::/96"), "unspecified or loopback"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "private (local NAT64)"),
        (IPNetwork.Parse("100::/64"), "reserved"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "private (unique local, cloud metadata)"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "private (site-local)"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    public static NetworkPolicy Default { get; } = new([]);

    /// <summary>Networks allowed although restricted: CIDRs (<c>10.1.0.0/16</c>) or single addresses.</summary>
    public IReadOnlyList<IPNetwork> Allowed => allowed;

    /// <summary>Parses an allow-list; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static NetworkPolicy Parse(IEnumerable<string> networks)
    {
        var list = new List<IPNetwork>();
        foreach (var text in networks.SelectMany(n => n.Split([',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)))
        {
            if (IPNetwork.TryParse(text, out var network))
            {
                list.Add(network);
            }
            else if (IPAddress.TryParse(text, out var single))
            {
                list.Add(new IPNetwork(single, single.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new FormatException($"'{text}' is not a network (CIDR such as 10.0.0.0/8) or an address");
            }
        }

        return new NetworkPolicy(list);
    }

    /// <summary>Why <paramref name="address"/> is restricted (loopback, private, …), or null for a public address.</summary>
    public static string? RestrictionOf(IPAddress address)
    {
        var canonical = Canonical(address);
        foreach (var (network, what) in Restricted)
        {
            if (network.Contains(canonical))
            {
                return what;
            }
        }

        // IPv6 forms that carry an IPv4 address a gateway would connect to.
        return Embedded(canonical) is { } inner ? RestrictionOf(inner) : null;
    }

    public bool Permits(IPAddress address) =>
        RestrictionOf(address) is null || allowed.Any(n => n.Contains(Canonical(address)) || n.Contains(address));

    /// <summary>
    /// The connect callback of the process's HTTP handler: resolves the name, keeps the permitted addresses, connects to
    /// one of them; a name with none fails with SourceUntrusted before any packet is sent to it.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, ct).ConfigureAwait(false);
        var permitted = addresses.Where(Permits).ToArray();
        if (permitted.Length == 0)
        {
            var first = addresses.FirstOrDefault();
            throw new FetchException(FailureReason.SourceUntrusted,
                $"refusing to connect to {host}" + (first is null ? "" : $" ({first}, {RestrictionOf(first)} address)")
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

    public override string ToString() => allowed.Count == 0 ? "none" : string.Join(',', allowed.Select(n => n.ToString()));

    private static IPAddress Canonical(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IPAddress? Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address))
        {
            return new IPAddress(bytes.AsSpan(12, 4));
        }

        return SixToFour.Contains(address) ? new IPAddress(bytes.AsSpan(2, 4)) : null;
    }
}
