using System.Collections.Concurrent;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Sources;
using Microsoft.Win32.SafeHandles;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// Parallel ranged download: N connections pull chunk indexes from one queue (no straggler tail), each writes its
/// chunk at its offset with pwrite; an ordered hasher reads completed chunks back from the page cache in file order,
/// so sha256 is computed while the transfer runs, never in a second pass. Chunks already done (resume) are only hashed.
/// </summary>
internal sealed class RangedTransfer(
    IFileSource source,
    RemoteFile remote,
    SafeFileHandle file,
    ChunkMap map,
    TransferSettings settings,
    ByteCounter counter,
    TimeProvider time,
    Action onChunkDone)
{
    /// <summary>Runs the transfer and returns the sha256 of the whole file.</summary>
    public async Task<byte[]> RunAsync(CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var signal = new SemaphoreSlim(0);
        var pending = new ConcurrentQueue<int>(map.Pending());
        counter.AddPresent(map.DoneBytes);
        var workers = Math.Min(settings.Connections, pending.Count);
        var tasks = new List<Task>(workers + 1);
        var hasher = Task.Run(() => new OrderedHasher(file, map, settings.EarlyWriteback).RunAsync(signal, cts.Token), CancellationToken.None);
        tasks.Add(hasher);
        for (var w = 0; w < workers; w++)
        {
            tasks.Add(Task.Run(() => WorkerAsync(pending, signal, cts.Token), CancellationToken.None));
        }

        await TaskGroup.WhenAllOrFirstFailure(tasks, cts, ct).ConfigureAwait(false);
        return await hasher.ConfigureAwait(false);
    }

    private async Task WorkerAsync(ConcurrentQueue<int> pending, SemaphoreSlim signal, CancellationToken ct)
    {
        var buffer = GC.AllocateUninitializedArray<byte>(settings.BufferSize);
        while (pending.TryDequeue(out var index))
        {
            await DownloadChunkAsync(index, buffer, ct).ConfigureAwait(false);
            map.MarkDone(index);
            signal.Release();
            onChunkDone();
        }
    }

    private async Task DownloadChunkAsync(int index, byte[] buffer, CancellationToken ct)
    {
        var offset = map.Offset(index);
        var length = map.Length(index);
        long written = 0;
        var failures = 0;
        while (true)
        {
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                stall.CancelAfter(settings.StallTimeout);
                var stream = await source.OpenAsync(remote, offset + written, length - written, stall.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    while (written < length)
                    {
                        var want = (int)Math.Min(buffer.Length, length - written);
                        var filled = 0;
                        while (filled < want)
                        {
                            stall.CancelAfter(settings.StallTimeout);
                            var n = await stream.ReadAsync(buffer.AsMemory(filled, want - filled), stall.Token).ConfigureAwait(false);
                            if (n == 0)
                            {
                                break;
                            }

                            filled += n;
                        }

                        if (filled > 0)
                        {
                            RandomAccess.Write(file, buffer.AsSpan(0, filled), offset + written);
                            written += filled;
                            counter.AddReceived(filled);
                            failures = 0;
                        }

                        if (filled < want)
                        {
                            throw new TransientException($"{source.Display}: connection closed {length - written} bytes short of the range end");
                        }
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
