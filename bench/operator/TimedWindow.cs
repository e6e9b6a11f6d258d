using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>
/// What one run's timed window held: how long it took, every API request the sandbox answered in it, the bench
/// process's CPU, and how many methods the bench process's JIT compiled in it (zero or a handful when the bench was warm).
/// </summary>
internal sealed record WindowMeasurement(double Seconds, IReadOnlyList<RequestCount> Requests, double BenchCpuSeconds, long BenchJitMethods);

/// <summary>
/// The timed window both runs share: it opens just before the bench's apply (request counters reset, clocks read)
/// and closes when the convergence observer has seen everything as wanted.
/// </summary>
internal sealed class TimedWindow
{
    private readonly SandboxServer _server;
    private readonly Stopwatch _clock;
    private readonly double _cpuBefore;
    private readonly long _jitBefore;

    private TimedWindow(SandboxServer server)
    {
        _server = server;
        _server.Control.ResetRequestCounts();
        _cpuBefore = BenchCpuSeconds();
        _jitBefore = JitInfo.GetCompiledMethodCount();
        _clock = Stopwatch.StartNew();
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>
    /// Opens the window once the bench process's background tier-up has gone quiet (<see cref="JitQuiet"/>). Each run
    /// starts a sandbox, a Kestrel server and clients, code that runs a few times per run and so crosses the runtime's
    /// call-count threshold for recompiling only after some runs, then recompiles in the background a moment later.
    /// The operator run opens its window seconds after that start, past its operator's warm-up; the bare loop opened
    /// its window at once, so the bench's JIT ran inside the bare loop's window only (README, session 14).
    /// </summary>
    public static async Task<TimedWindow> OpenAsync(SandboxServer server)
    {
        await JitQuiet.WaitAsync("the bench", () => Task.FromResult(JitInfo.GetCompiledMethodCount()));
        return new TimedWindow(server);
    }

    public WindowMeasurement Close()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        return new WindowMeasurement(seconds, _server.Control.GetRequestCounts().Entries, BenchCpuSeconds() - _cpuBefore, JitInfo.GetCompiledMethodCount() - _jitBefore);
    }

    private static double BenchCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}

/// <summary>The one rule for "this process's JIT is quiet", for the bench process and the operator alike.</summary>
internal static class JitQuiet
{
    /// <summary>How long a process's compiled-method count must stay still.</summary>
    private static readonly TimeSpan QuietFor = TimeSpan.FromMilliseconds(300);

    /// <summary>The longest wait; after it the caller goes on even if the JIT is still busy, and stderr says so.</summary>
    private static readonly TimeSpan AtMost = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="count"/> until it has not moved for <see cref="QuietFor"/>; returns its last value.</summary>
    public static async Task<long> WaitAsync(string who, Func<Task<long>> count)
    {
        var waited = Stopwatch.StartNew();
        var last = await count();
        var stillSince = waited.Elapsed;
        while (waited.Elapsed - stillSince < QuietFor)
        {
            if (waited.Elapsed >= AtMost)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {who}: the JIT was still compiling after {AtMost.TotalSeconds:F0} s; going on anyway"));
                break;
            }

            await Task.Delay(50);
            var now = await count();
            if (now != last)
            {
                (last, stillSince) = (now, waited.Elapsed);
            }
        }

        return last;
    }
}
