namespace LlmKube.Fetcher.Cache;

/// <summary>
/// One exclusive lock per cache entry: flock(LOCK_EX) on ENTRY/.llmkube.lock, taken by .NET when a file is opened with
/// FileShare.None. The kernel drops it when the holder dies (kill -9, OOM, node loss on NFSv4 after the lease), so a
/// killed fetcher never leaves a stale lock; the lock file itself stays and is reused.
/// </summary>
internal sealed class EntryLock : IDisposable
{
    private readonly FileStream _stream;

    private EntryLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    public string Path { get; }

    public static async Task<EntryLock> AcquireAsync(string entryDir, TimeProvider time, Action<string> log, CancellationToken ct)
    {
        var path = CacheNames.Lock(entryDir);
        var started = time.GetTimestamp();
        var nextLog = TimeSpan.Zero;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (TryAcquire(path) is { } acquired)
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

    public static EntryLock? TryAcquire(string path)
    {
        try
        {
            var fs = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = FileModes.File,
            });
            try
            {
                // Fetchers of other uids in the same fsGroup must be able to open it too, whatever the umask.
                File.SetUnixFileMode(fs.SafeFileHandle, FileModes.File);
            }
            catch (UnauthorizedAccessException)
            {
                // Not our file: its owner already set the mode.
            }

            return new EntryLock(fs, path);
        }
        catch (IOException e) when (IsContention(e))
        {
            return null;
        }
    }

    public void Dispose() => _stream.Dispose();

    // EWOULDBLOCK from flock surfaces as a sharing violation.
    private static bool IsContention(IOException e) =>
        e.HResult is 11 or 32 or unchecked((int)0x80070020);
}
