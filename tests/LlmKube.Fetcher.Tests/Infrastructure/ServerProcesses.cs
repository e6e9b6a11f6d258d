using System.Diagnostics;
using System.Net.Sockets;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>Stopping the helper servers the tests start (nginx, s3rver).</summary>
internal static class ServerProcesses
{
    /// <summary>Waits until <paramref name="port"/> on loopback accepts connections, the process exits, or the timeout passes.</summary>
    public static void WaitForPort(Process process, int port, TimeSpan timeout, TimeSpan poll)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(poll);
            }
        }
    }

    /// <summary>Kills the whole tree (killing only nginx's master would orphan its workers) and disposes it.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        process.Dispose();
    }
}
