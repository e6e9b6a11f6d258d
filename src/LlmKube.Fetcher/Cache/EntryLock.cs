using LlmKube.Fetcher.Native;
using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Cache;

/// <summary>
/// One exclusive lock per cache entry: flock(LOCK_EX) on ENTRY/.llmkube.lock (the lock .NET takes for FileShare.None,
/// so older fetchers and this one exclude each other). The kernel drops it when the holder dies (kill -9, OOM, node
/// loss on NFSv4 after the lease), so a killed fetcher never leaves a stale lock; the lock file itself stays and is
/// reused. It is opened from the entry's descriptor without following links and without blocking: a link, fifo or
/// device a co-tenant puts at its name is replaced, never opened.
/// </summary>
internal sealed class EntryLock : IDisposable
{
    private readonly SafeFileHandle _handle;

    private EntryLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    public string Path { get; }

    public static async Task<EntryLock> AcquireAsync(CacheEntry entry, TimeProvider time, Action<string> log, CancellationToken ct)
    {
        var path = entry.Directory.Child(CacheNames.LockFileName);
        var started = time.GetTimestamp();
        var nextLog = TimeSpan.Zero;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (TryAcquire(entry.Directory, log) is { } acquired)
            {
                if (nextLog > TimeSpan.Zero)
                {
                    log($"lock acquired after {time.GetElapsedTime(started).TotalSeconds:F1}s");
                }

                return acquired;
            }

            var waited = time.GetElapsedTime(started);
            if (waited >= nextLog)
            {
                log($"waiting for {path}: another fetcher is filling this cache entry");
                nextLog = waited + TimeSpan.FromSeconds(10);
            }

            await Task.Delay(delay, time, ct).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    /// <summary>The lock, or null while another process holds it.</summary>
    public static EntryLock? TryAcquire(DirectoryHandle entry, Action<string> log)
    {
        var handle = Open(entry, log);
        // Fetchers of other uids in the same fsGroup must be able to open it too, whatever the umask (EPERM: not our
        // file, its owner already set the mode).
        _ = Libc.Fchmod((int)handle.DangerousGetHandle(), (uint)FileModes.File);
        var errno = Libc.Flock((int)handle.DangerousGetHandle(), Libc.LOCK_EX | Libc.LOCK_NB);
        if (errno == 0)
        {
            return new EntryLock(handle, entry.Child(CacheNames.LockFileName));
        }

        handle.Dispose();
        return errno == Libc.EAGAIN ? null : throw Libc.ErrnoException("flock " + entry.Child(CacheNames.LockFileName), errno);
    }

    public void Dispose() => _handle.Dispose();

    private static SafeFileHandle Open(DirectoryHandle entry, Action<string> log)
    {
        try
        {
            return entry.OpenFile(CacheNames.LockFileName, Libc.O_RDWR, (int)FileModes.File);
        }
        catch (NotRegularException e)
        {
            log($"replacing {e.Message} (a fetcher's lock is always a regular file)");
            entry.Delete(CacheNames.LockFileName, directory: e.Found == FileKind.Directory);
            return entry.OpenFile(CacheNames.LockFileName, Libc.O_RDWR, (int)FileModes.File);
        }
    }
}
