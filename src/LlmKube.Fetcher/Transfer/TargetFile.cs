using LlmKube.Fetcher.Native;
using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// The temp file being written. With O_DIRECT (the default where the filesystem allows it) writes skip the page cache:
/// no page-fault cost per written page. Otherwise buffered writes with early writeback of finished ranges. Either way,
/// with early writeback the disk starts making the data durable during the transfer, so the final fsync has little
/// left to do. Data is hashed from memory, never read back, except chunks that a previous run completed (resume).
/// </summary>
internal sealed class TargetFile : IDisposable
{
    /// <summary>Direct writes not yet flushed before an early flush starts (see <see cref="Written"/>).</summary>
    internal const long EarlyFlushBytes = 32L << 20;

    private readonly bool _earlyWriteback;
    private readonly ChunkMap? _tracked;
    private readonly Lock _flushGate = new();
    private long _unflushed;
    private Task _flush = Task.CompletedTask;

    private TargetFile(string path, SafeFileHandle handle, bool direct, bool earlyWriteback, ChunkMap? tracked)
    {
        _earlyWriteback = earlyWriteback;
        _tracked = tracked;
        FilePath = path;
        Handle = handle;
        IsDirect = direct;
    }

    public string FilePath { get; }

    public SafeFileHandle Handle { get; }

    public bool IsDirect { get; }

    /// <summary>
    /// Opens the existing regular file <paramref name="name"/> of <paramref name="directory"/> (never through a link);
    /// O_DIRECT when <paramref name="tryDirect"/> and the filesystem supports it (not tmpfs, some FUSE mounts). Each early
    /// flush records in <paramref name="tracked"/> which completed chunks it made durable, so that resume state can say
    /// which chunks survive a power loss (<see cref="Cache.PartialDownload"/>); a chunk must be marked done there before
    /// <see cref="Written"/> is called for it.
    /// </summary>
    public static TargetFile Open(DirectoryHandle directory, string name, bool tryDirect, bool earlyWriteback, ChunkMap? tracked = null)
    {
        var handle = directory.OpenFile(name, Libc.O_RDWR);
        try
        {
            var direct = tryDirect && Libc.TrySetDirect(handle, directory.Child(name));
            return new TargetFile(directory.Child(name), handle, direct, earlyWriteback, tracked);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="length"/> bytes of <paramref name="buffer"/> at <paramref name="offset"/> (a multiple of 4096 when direct).</summary>
    public void Write(AlignedBuffer buffer, int length, long offset)
    {
        try
        {
            WriteRange(buffer, length, offset);
        }
        catch (IOException e) when (DurabilityLostException.IsIoError(e))
        {
            throw new DurabilityLostException($"write {FilePath} at offset {offset}", e);
        }
    }

    private void WriteRange(AlignedBuffer buffer, int length, long offset)
    {
        if (IsDirect)
        {
            RandomAccess.Write(Handle, buffer.Memory.Span[..buffer.PadForDirectWrite(length)], offset);
            return;
        }

        // Buffered writes go in 64 KiB slices: the kernel sizes page-cache folios by the write, and a 4 MiB write
        // (huge folios, fresh memory) cost 3-5 s of system time per 2 GiB against 1.4-2.3 s in 64 KiB writes on the
        // bench machine; 64 KiB beat 256 KiB in 7 of 8 pairs (bench/fetch/README.md, run 8).
        var span = buffer.Memory.Span[..length];
        for (var done = 0; done < length; done += BufferedSlice)
        {
            var slice = span.Slice(done, Math.Min(BufferedSlice, length - done));
            RandomAccess.Write(Handle, slice, offset + done);
        }
    }

    /// <summary>Size of one buffered write (see <see cref="Write"/>).</summary>
    internal const int BufferedSlice = 64 << 10;

    /// <summary>How many early flushes ran (tests and diagnostics).</summary>
    public int EarlyFlushes { get; private set; }

    /// <summary>
    /// A range was written. Buffered, its writeback starts now. Direct, it counts towards the next early flush, which
    /// starts when <paramref name="moreQueued"/> is false: the writers have nothing queued. Direct writes sit in the
    /// device's volatile cache until a flush: on the bench machine the final fsync of 2 GiB took 0.4-1.4 s after the
    /// transfer, as long as after `dd oflag=direct`. So once <see cref="EarlyFlushBytes"/> are unflushed, an fsync runs
    /// in the background while the writers wait for the network, and the disk flushes during the transfer instead of
    /// after it (bench/fetch/README.md, session 5). One at a time. Its failure (<see cref="DurabilityLostException"/>)
    /// is thrown from the next call here and from <see cref="Complete"/>: no error is lost to a flush nobody waited for,
    /// and the transfer stops instead of writing the rest of a file that must be thrown away.
    /// </summary>
    public void Written(long offset, long length, bool moreQueued)
    {
        if (!_earlyWriteback)
        {
            return;
        }

        if (Volatile.Read(ref _flush).IsFaulted)
        {
            WaitForEarlyFlush().GetAwaiter().GetResult();
        }

        if (!IsDirect)
        {
            Libc.StartWriteback(Handle, offset, length);
            return;
        }

        if (Interlocked.Add(ref _unflushed, length) < EarlyFlushBytes || moreQueued)
        {
            return;
        }

        lock (_flushGate)
        {
            if (!_flush.IsCompletedSuccessfully)
            {
                return; // running, or failed: the next call and Complete throw its error
            }

            Interlocked.Exchange(ref _unflushed, 0);
            EarlyFlushes++;
            // Every chunk complete now was written before this fsync starts, so its success covers them.
            var covered = _tracked?.SnapshotDone();
            _flush = Task.Run(() =>
            {
                Flush();
                if (covered is not null)
                {
                    _tracked!.MarkDurable(covered);
                }
            });
        }
    }

    /// <summary>Reads [offset, offset+length) into the buffer (aligned reads when direct).</summary>
    public void Read(AlignedBuffer buffer, int length, long offset)
    {
        var want = IsDirect ? (length + AlignedBuffer.Alignment - 1) / AlignedBuffer.Alignment * AlignedBuffer.Alignment : length;
        var done = 0;
        while (done < length)
        {
            int n;
            try
            {
                n = RandomAccess.Read(Handle, buffer.Memory.Span[done..want], offset + done);
            }
            catch (IOException e) when (DurabilityLostException.IsIoError(e))
            {
                throw new DurabilityLostException($"read {FilePath} at offset {offset + done}", e);
            }

            if (n <= 0)
            {
                throw new IOException($"{Path.GetFileName(FilePath)} is shorter than its completed chunks ({offset + done} < {offset + length})");
            }

            done += n;
        }
    }

    /// <summary>Cuts the padding of the last direct write and makes the content durable.</summary>
    public void Complete(long length, bool fsync)
    {
        WaitForEarlyFlush().GetAwaiter().GetResult();
        RandomAccess.SetLength(Handle, length);
        if (fsync)
        {
            Flush();
        }
    }

    private void Flush()
    {
        try
        {
            Libc.Fsync(Handle, FilePath);
        }
        catch (IOException e) when (DurabilityLostException.IsIoError(e))
        {
            throw new DurabilityLostException("fsync " + FilePath, e);
        }
    }

    public void Dispose()
    {
        // A failed transfer may leave a flush running; it holds a reference on the handle, and its error no longer matters.
        try
        {
            WaitForEarlyFlush().GetAwaiter().GetResult();
        }
        catch (IOException)
        {
        }

        Handle.Dispose();
    }

    private Task WaitForEarlyFlush()
    {
        lock (_flushGate)
        {
            return _flush;
        }
    }
}
