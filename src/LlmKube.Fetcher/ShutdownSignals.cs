using System.Runtime.InteropServices;
using LlmKube.Fetcher.Native;

namespace LlmKube.Fetcher;

/// <summary>
/// SIGTERM and SIGINT cancel the token: a transfer stops, saves its resume state and exits 143. Cancellation only
/// reaches code that looks at the token; a thread blocked in a system call (a write to a full pipe, a hung network
/// filesystem) never does, and kubelet's SIGTERM would be swallowed until its SIGKILL. So the first signal also arms a
/// watchdog on its own thread (the thread pool may be the thing that is stuck) that ends the process with 143 after
/// <see cref="Grace"/>; a second signal ends it at once.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    /// <summary>Time a cancelled run gets to save its state; well under kubelet's default grace period of 30 s.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _interrupt;
    private int _signals;

    public ShutdownSignals()
    {
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        _term.Dispose();
        _interrupt.Dispose();
        _cts.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _signals) > 1)
        {
            Libc.ExitNow(App.ExitInterrupted);
        }

        new Thread(() =>
        {
            Thread.Sleep(Grace);
            Libc.ExitNow(App.ExitInterrupted);
        })
        { IsBackground = true, Name = "shutdown watchdog" }.Start();
        _cts.Cancel();
    }
}
