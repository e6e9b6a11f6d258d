using System.Security.Cryptography;
using System.Threading.Channels;
using LlmKube.Fetcher.Failures;
using LlmKube.Fetcher.Sources;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// One stream for sources without ranges (or without a known size): a reader fills pooled 1 MiB buffers, a writer
/// puts them in the file while a hasher hashes the same buffers, both in order, and a buffer is filled again when both
/// are done (never hashed on the receive loop, and the hasher never waits for a write, as in
/// <see cref="RangedTransfer"/>). Without ranges a broken transfer can only restart from zero, which it does up to the
/// attempt budget.
/// </summary>
internal sealed class StreamTransfer(
    IFileSource source,
    RemoteFile remote,
    TargetFile file,
    TransferSettings settings,
    ByteCounter counter,
    StageTimes stages,
    TimeProvider time)
{
    private const int Buffers = 8;

    /// <summary>Returns the sha256 and the length of the file.</summary>
    public async Task<(byte[] Sha256, long Length)> RunAsync(CancellationToken ct)
    {
        var failures = 0;
        while (true)
        {
            counter.ResetDone();
            try
            {
                var result = await AttemptAsync(ct).ConfigureAwait(false);
                if (remote.Size is { } size && result.Length != size)
                {
                    throw new TransientException($"{source.Display}: body ended after {result.Length} of {size} bytes");
                }

                return result;
            }
            catch (Exception e) when (FailureClassifier.IsTransient(e, ct))
            {
                if (++failures >= settings.MaxAttempts)
                {
                    throw new TransientException($"{source.Display}: giving up after {failures} failed attempts: {e.Message}", e);
                }

                await Task.Delay(TransferSettings.Backoff(failures), time, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<(byte[] Sha256, long Length)> AttemptAsync(CancellationToken outer)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        var full = Channel.CreateBounded<(AlignedBuffer Buffer, int Count)>(Buffers);
        var toHash = Channel.CreateBounded<(AlignedBuffer Buffer, int Count)>(Buffers);
        var free = Channel.CreateUnbounded<AlignedBuffer>();
        for (var i = 0; i < Buffers; i++)
        {
            free.Writer.TryWrite(new AlignedBuffer(settings.BufferSize));
        }

        // Both consumers see the same end: done, stalled or failed.
        void Finish(Exception? e = null)
        {
            full.Writer.Complete(e);
            toHash.Writer.Complete(e);
        }

        var stalled = false;
        long received = 0;
        var reader = Task.Run(async () =>
        {
            try
            {
                cts.CancelAfter(settings.StallTimeout);
                var stream = await source.OpenAsync(remote, 0, null, cts.Token).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    while (true)
                    {
                        var buffer = await free.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                        var filled = 0;
                        while (filled < buffer.Size)
                        {
                            cts.CancelAfter(settings.StallTimeout);
                            var n = await stream.ReadAsync(buffer.Memory[filled..], cts.Token).ConfigureAwait(false);
                            if (n == 0)
                            {
                                break;
                            }

                            filled += n;
                            counter.AddReceived(n); // counted as it arrives: the throughput floor must not wait for a full buffer
                        }

                        received += filled;
                        if (remote.Size is { } announced && received > announced)
                        {
                            // An endless body would fill the volume: nothing beyond the announced size is written.
                            throw new FetchException(FailureReason.IntegrityMismatch,
                                $"{source.Display}: the body is longer than the announced {announced} bytes; the download was deleted");
                        }

                        if (filled > 0)
                        {
                            buffer.Hold(2); // the writer and the hasher
                            await full.Writer.WriteAsync((buffer, filled), cts.Token).ConfigureAwait(false);
                            await toHash.Writer.WriteAsync((buffer, filled), cts.Token).ConfigureAwait(false);
                        }

                        if (filled < buffer.Size)
                        {
                            break;
                        }
                    }
                }

                Finish();
            }
            catch (OperationCanceledException e) when (!outer.IsCancellationRequested)
            {
                stalled = true;
                Finish(e);
            }
            catch (Exception e)
            {
                Finish(e);
            }
        }, CancellationToken.None);

        var hasher = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            // Not cts: its stall timer may still fire after the reader's last read. The reader completes this channel
            // on every path, so the hasher always ends.
            await foreach (var (buffer, count) in toHash.Reader.ReadAllAsync(outer).ConfigureAwait(false))
            {
                var start = stages.Start();
                hash.AppendData(buffer.Memory.Span[..count]);
                stages.Hashed(start);
                buffer.ReleaseTo(free.Writer);
            }

            return hash.GetHashAndReset();
        }, CancellationToken.None);

        long offset = 0;
        try
        {
            await foreach (var (buffer, count) in full.Reader.ReadAllAsync(outer).ConfigureAwait(false))
            {
                var start = stages.Start();
                file.Write(buffer, count, offset);
                stages.DiskDone(start);
                file.Written(offset, count, moreQueued: full.Reader.Count > 0);
                offset += count;
                buffer.ReleaseTo(free.Writer);
            }

            return (await hasher.ConfigureAwait(false), offset);
        }
        catch (OperationCanceledException) when (stalled && !outer.IsCancellationRequested)
        {
            throw new TransientException($"{source.Display}: no data for {settings.StallTimeout.TotalSeconds:F0}s");
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
            // A failed write leaves the hasher cancelled or failed with the reader's error, reported above already.
            await ((Task)hasher).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
