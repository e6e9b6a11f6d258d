using System.Net;
using System.Net.Sockets;

namespace LlmKube.Contracts;

/// <summary>
/// The SSRF rule of every connection our processes make to a model source (docs/SECURITY.md, "upstream servers and
/// redirects"): the fetcher's downloads and the operator's HEAD probes. No loopback, link-local (cloud metadata
/// endpoints), private, shared (CGNAT), unspecified, multicast, documentation or reserved address unless it lies in an
/// explicitly allowed network (a private mirror). Callers check the address actually connected to, after DNS. The
/// allow-list's text form is <see cref="FetcherEnvironment.AllowedNetworks"/> and the operator's
/// <c>--fetcher-allowed-networks</c>; both are read with <see cref="Parse"/>.
/// </summary>
public sealed class AddressPolicy(IReadOnlyList<IPNetwork> allowed)
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

    public static AddressPolicy Default { get; } = new([]);

    /// <summary>Networks allowed although restricted: CIDRs (<c>10.1.0.0/16</c>) or single addresses.</summary>
    public IReadOnlyList<IPNetwork> Allowed => allowed;

    /// <summary>Parses an allow-list; throws <see cref="FormatException"/> naming the bad entry.</summary>
    public static AddressPolicy Parse(IEnumerable<string> networks)
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

        return new AddressPolicy(list);
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
