using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LlmKube.Tests.Shared;

/// <summary>Ports for servers the tests start, in their own process or in another (the operator's probe and metrics servers).</summary>
internal static class LocalPorts
{
    /// <summary>The lowest port handed out: below it are well-known and commonly configured ports.</summary>
    private const int Lowest = 10_000;

    /// <summary>The first port of Linux's <c>net.ipv4.ip_local_port_range</c>, read once.</summary>
    private static readonly int EphemeralLow = ReadEphemeralLow();

    /// <summary>
    /// A TCP port that was free on every address a moment ago, chosen below the kernel's ephemeral range. A port the OS
    /// picks for a listener (port 0) comes from that range, which is also where every outgoing connection takes its
    /// local port: between this call and the server's bind, one of the many connections the tests open could take it,
    /// and the server then fails with "address already in use" (a clean-clone CI run did, session 14). Below the range
    /// only another listener can take it, and the bind here checks that none has.
    /// </summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(Lowest, EphemeralLow);
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

        throw new InvalidOperationException($"no free port found between {Lowest} and {EphemeralLow} in 100 tries");
    }

    /// <summary>The range's first port; Linux's default when the file cannot be read or starts too low to leave room.</summary>
    private static int ReadEphemeralLow()
    {
        try
        {
            var first = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            var low = int.Parse(first, CultureInfo.InvariantCulture);
            return low > Lowest + 1_000 ? low : 32_768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }
}
