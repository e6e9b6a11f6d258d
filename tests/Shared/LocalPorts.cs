using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LlmKube.Tests.Shared;

/// <summary>Ports for servers the tests start in other processes (the operator's probe and metrics servers).</summary>
internal static class LocalPorts
{
    /// <summary>The lowest port handed out: below it are well-known and commonly configured ports.</summary>
    private const int Lowest = 10_000;

    /// <summary>
    /// A TCP port that was free on every address a moment ago, chosen below the kernel's ephemeral range. A port the OS
    /// picks for a listener (port 0) comes from that range, which is also where every outgoing connection takes its
    /// local port: between this call and the server's bind, one of the many connections the tests open could take it,
    /// and the server then fails with "address already in use" (a clean-clone CI run did, session 14). Below the range
    /// only another listener can take it, and the bind here checks that none has.
    /// </summary>
    public static int Free()
    {
        var (ephemeralLow, _) = EphemeralRange();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Lowest, ephemeralLow);
            try
            {
                using var listener = new TcpListener(IPAddress.Any, port);
                listener.Start();
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
            }
        }

        throw new InvalidOperationException($"no free port found between {Lowest} and {ephemeralLow} in 100 tries");
    }

    /// <summary>Linux's <c>net.ipv4.ip_local_port_range</c>; its default when the file cannot be read.</summary>
    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            var low = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return (low > Lowest + 1_000 ? low : 32_768, int.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32_768, 60_999);
        }
    }
}
