using System.Runtime.InteropServices;

namespace LlmKube.Fetcher.Tests.Infrastructure;

/// <summary>
/// The co-tenant of issue 12, finding 2: a thread that exchanges two names atomically (renameat2 RENAME_EXCHANGE) in
/// a tight loop, typically a real directory and a symbolic link to somewhere outside the volume, so that a privileged
/// process that checks a name and then uses it by path acts on the other one some of the time. Names are resolved in a
/// directory the swapper holds open, the way an attacker whose working directory is inside the entry keeps acting in
/// it after the victim renamed it.
/// </summary>
public sealed partial class Swapper : IDisposable
{
    private const uint RenameExchange = 2;
    private const int ODirectoryX64 = 0x10000;
    private const int ODirectoryArm = 0x4000;
    private const int OCloexec = 0x80000;
    private readonly Thread _thread;
    private volatile bool _stop;
    private Tuple<int, string, string>? _pair;
    private long _swaps;

    public Swapper()
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = "swapper" };
        _thread.Start();
    }

    /// <summary>Exchanges made since the start (both names existed).</summary>
    public long Swaps => Interlocked.Read(ref _swaps);

    /// <summary>Starts exchanging the paths <paramref name="a"/> and <paramref name="b"/>, which must share a directory.</summary>
    public void Target(string a, string b)
    {
        var dir = Path.GetDirectoryName(a)!;
        Assert.Equal(dir, Path.GetDirectoryName(b));
        var directory = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 ? ODirectoryArm : ODirectoryX64;
        var fd = Open(dir, directory | OCloexec);
        Assert.True(fd >= 0, $"open {dir}: errno {Marshal.GetLastPInvokeError()}");
        Release(Interlocked.Exchange(ref _pair, Tuple.Create(fd, Path.GetFileName(a), Path.GetFileName(b))));
        // The attack is running before the victim starts: wait for the first exchanges.
        var before = Swaps;
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (Swaps < before + 2 && DateTime.UtcNow < deadline)
        {
            Thread.SpinWait(100);
        }
    }

    /// <summary>Stops exchanging and waits until no exchange is in flight.</summary>
    public void Idle()
    {
        var old = Interlocked.Exchange(ref _pair, null);
        Thread.Sleep(2);
        Release(old);
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        Release(Interlocked.Exchange(ref _pair, null));
    }

    private void Loop()
    {
        while (!_stop)
        {
            if (Volatile.Read(ref _pair) is { } pair)
            {
                if (RenameAt2(pair.Item1, pair.Item2, pair.Item1, pair.Item3, RenameExchange) == 0)
                {
                    Interlocked.Increment(ref _swaps);
                }
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private static void Release(Tuple<int, string, string>? pair)
    {
        if (pair is not null)
        {
            Thread.Sleep(2); // the loop may still be using the descriptor
            _ = Close(pair.Item1);
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameAt2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
