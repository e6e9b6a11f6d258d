using LlmKube.Fetcher.Failures;

namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// The minimum throughput of a transfer (finding 6 of issue 12): the stall timeout resets on every byte, so a server
/// that sends one byte a second would keep an init container alive for ever. Once a transfer has run for a whole
/// window, the bytes received over the last window must average at least the minimum, or the transfer is cancelled
/// and fails with SourceUnreachable (the partial is kept for a later run).
/// </summary>
internal sealed class ThroughputFloor(ByteCounter counter, long minBytesPerSecond, TimeSpan window, TimeProvider time)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Set when the floor cancelled the transfer.</summary>
    public FetchException? Failure { get; private set; }

    /// <summary>Samples the counter every second until <paramref name="stop"/>; cancels <paramref name="transfer"/> when too slow.</summary>
    public async Task WatchAsync(string display, CancellationTokenSource transfer, CancellationToken stop)
    {
        if (minBytesPerSecond <= 0)
        {
            return;
        }

        var samples = new List<(long At, long Bytes)> { (time.GetTimestamp(), counter.Received) };
        try
        {
            while (true)
            {
                await Task.Delay(SampleInterval, time, stop).ConfigureAwait(false);
                var now = time.GetTimestamp();
                samples.Add((now, counter.Received));
                while (samples.Count > 2 && time.GetElapsedTime(samples[1].At, now) >= window)
                {
                    samples.RemoveAt(0);
                }

                var span = time.GetElapsedTime(samples[0].At, now);
                var moved = samples[^1].Bytes - samples[0].Bytes;
                if (span >= window && moved < minBytesPerSecond * span.TotalSeconds)
                {
                    Failure = new FetchException(FailureReason.SourceUnreachable,
                        $"{display}: below the minimum throughput of {minBytesPerSecond} bytes/s over {window.TotalSeconds:F0} s "
                        + $"({moved / span.TotalSeconds:F0} bytes/s); the partial download is kept for the next run");
                    await transfer.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The transfer ended.
        }
    }
}
