using System.Diagnostics;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>What one run's timed window held: how long it took, every API request the sandbox answered in it, and the bench process's CPU.</summary>
internal sealed record WindowMeasurement(double Seconds, IReadOnlyList<RequestCount> Requests, double BenchCpuSeconds);

/// <summary>
/// The timed window both runs share: it opens just before the bench's apply (request counters reset, clocks read)
/// and closes when the convergence observer has seen everything as wanted.
/// </summary>
internal sealed class TimedWindow
{
    private readonly SandboxServer _server;
    private readonly Stopwatch _clock;
    private readonly double _cpuBefore;

    private TimedWindow(SandboxServer server)
    {
        _server = server;
        _server.Control.ResetRequestCounts();
        _cpuBefore = BenchCpuSeconds();
        _clock = Stopwatch.StartNew();
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public static TimedWindow Open(SandboxServer server) => new(server);

    public WindowMeasurement Close()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        return new WindowMeasurement(seconds, _server.Control.GetRequestCounts().Entries, BenchCpuSeconds() - _cpuBefore);
    }

    private static double BenchCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
