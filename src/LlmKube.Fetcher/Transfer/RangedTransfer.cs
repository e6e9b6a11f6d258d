using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// Parallel ranged download in three stages: N connections pull chunk indexes in file order from one queue and read
/// each chunk into its own aligned buffer; writers put received chunks at their offsets (O_DIRECT when possible) while
/// a hasher consumes the same buffers in file order from memory, so sha256 is computed during the transfer and nothing
/// is read back. A buffer goes back to the window when both its write and its hash are done: the hasher, the slowest
/// stage on one core, never waits for a write (bench/fetch/README.md, session 5). A window of buffers (about two per
/// connection) bounds memory whatever the file size and lets a slow chunk hold the others back only that far. Chunks a
/// previous run completed are only read back and hashed.
/// </summary>
internal sealed class RangedTransfer(
    IFileSource source,
    RemoteFile remote,
    TargetFile file,
    ChunkMap map,
    TransferSettings settings,
    ByteCounter counter,
    StageTimes stages,
    TimeProvider time,
    Action onChunkDone)
{
    private const int MaxWriters = 2;

    /// <summary>Buffers in flight: two per connection, within 32 MiB unless the connections alone need more.</summary>
    public static int WindowSize(int connections, long chunkSize) =>
        Math.Max(connections + 1, Math.Min(2 * connections, (int)((32L << 20) / chunkSize)));

    /// <summary>Runs the transfer and returns the sha256 of the whole file.</summary>
    public async Task<byte[]> RunAsync(CancellationToken ct)
    {
        var presentAtStart = Enumerable.Range(0, map.Count).Select(map.IsDone).ToArray();
        var pending = map.Pending();
        counter.AddPresent(map.DoneBytes);
        var connections = Math.Min(settings.Connections, pending.Count);
        var window = Math.Min(WindowSize(Math.Max(1, connections), map.ChunkSize), Math.Max(1, pending.Count));
        var free = Channel.CreateUnbounded<AlignedBuffer>();
        for (var i = 0; i < window; i++)
        {
            free.Writer.TryWrite(new AlignedBuffer(checked((int)map.ChunkSize)));
        }

        var toWrite = Channel.CreateBounded<(int Index, AlignedBuffer Buffer)>(window);
        var received = new ConcurrentDictionary<int, AlignedBuffer>();
        using var signal = new SemaphoreSlim(0);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var next = 0;
        var gate = new Lock();

        int? TakeNext()
        {
            lock (gate)
            {
                return next < pending.Count ? pending[next++] : null;
            }
        }

        async Task NetworkAsync()
        {
            while (true)
            {
                var buffer = await free.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                if (TakeNext() is not { } index)
                {
                    free.Writer.TryWrite(buffer);
                    return;
                }

                await DownloadChunkAsync(index, buffer, cts.Token).ConfigureAwait(false);
                buffer.Hold(2); // its writer and the hasher
                received[index] = buffer;
                signal.Release();
                await toWrite.Writer.WriteAsync((index, buffer), cts.Token).ConfigureAwait(false);
            }
        }

        async Task WriterAsync()
        {
            await foreach (var (index, buffer) in toWrite.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
            {
                var start = stages.Start();
                file.Write(buffer, (int)map.Length(index), map.Offset(index));
                stages.DiskDone(start);
                map.MarkDone(index); // before Written: an early flush it starts covers this chunk (TargetFile.Open)
                file.Written(map.Offset(index), map.Length(index), moreQueued: toWrite.Reader.Count > 0);
                onChunkDone();
                buffer.ReleaseTo(free.Writer);
            }
        }

        async Task<byte[]> HasherAsync()
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            AlignedBuffer? readBack = null;
            for (var i = 0; i < map.Count; i++)
            {
                var length = (int)map.Length(i);
                if (presentAtStart[i])
                {
                    // Its own buffer: taking one from the window could wait forever on buffers only this loop returns.
                    readBack ??= new AlignedBuffer(checked((int)map.ChunkSize));
                    var read = stages.Start();
                    file.Read(readBack, length, map.Offset(i));
                    stages.DiskDone(read);
                    var hashing = stages.Start();
                    hash.AppendData(readBack.Memory.Span[..length]);
                    stages.Hashed(hashing);
                    continue;
                }

                readBack = null;
                AlignedBuffer? buffer;
                while (!received.TryRemove(i, out buffer))
                {
                    await signal.WaitAsync(cts.Token).ConfigureAwait(false);
                }

                var start = stages.Start();
                hash.AppendData(buffer.Memory.Span[..length]);
                stages.Hashed(start);
                buffer.ReleaseTo(free.Writer);
            }

            return hash.GetHashAndReset();
        }

        var hasher = Task.Run(HasherAsync, CancellationToken.None);
        // Several writers keep more than one direct write in flight (a device is faster at queue depth > 1). Buffered
        // writes are memory copies under the inode's lock: a second writer only spins on it (17 % of a no-fsync
        // run's samples in rwsem_spin_on_owner, bench/fetch/README.md).
        var writerCount = file.IsDirect ? Math.Clamp(connections, 1, MaxWriters) : 1;
        var writers = Enumerable.Range(0, writerCount).Select(_ => Task.Run(WriterAsync, CancellationToken.None));
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(NetworkAsync, CancellationToken.None)).ToList();
        var all = new List<Task>(workers) { hasher };
        all.AddRange(writers);
        var network = Task.WhenAll(workers).ContinueWith(t => toWrite.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await TaskGroup.WhenAllOrFirstFailure(all, cts, ct).ConfigureAwait(false);
        await network.ConfigureAwait(false);
        return await hasher.ConfigureAwait(false);
    }

    private async Task DownloadChunkAsync(int index, AlignedBuffer buffer, CancellationToken ct)
    {
        var offset = map.Offset(index);
        var length = (int)map.Length(index);
        var filled = 0;
        var failures = 0;
        while (true)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                stall.CancelAfter(settings.StallTimeout);
                var stream = await source.OpenAsync(remote, offset + filled, length - filled, stall.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    while (filled < length)
                    {
                        stall.CancelAfter(settings.StallTimeout);
                        var n = await stream.ReadAsync(buffer.Memory[filled..length], stall.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            throw new TransientException($"{source.Display}: connection closed {length - filled} bytes short of the range end");
                        }

                        filled += n;
                        counter.AddReceived(n);
                        failures = 0;
                    }
                }

                return;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await BackoffOrThrowAsync(++failures, new TransientException($"{source.Display}: no data for {settings.StallTimeout.TotalSeconds:F0}s"), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (FailureClassifier.IsTransient(e, ct))
            {
                await BackoffOrThrowAsync(++failures, e, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task BackoffOrThrowAsync(int failures, Exception e, CancellationToken ct)
    {
        if (failures >= settings.MaxAttempts)
        {
            throw new TransientException($"{source.Display}: giving up after {failures} failed attempts: {e.Message}", e);
        }

        await Task.Delay(TransferSettings.Backoff(failures), time, ct).ConfigureAwait(false);
    }
}
