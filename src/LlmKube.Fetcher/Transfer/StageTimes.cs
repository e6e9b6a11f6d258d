namespace LlmKube.Fetcher.Transfer;

/// <summary>
/// How long one transfer's stages were busy: sha256, and the file's own I/O (the writes, summed over the writers, and
/// a resume's read-back of the chunks already present). Beside the transfer's wall time in the done line it says what
/// bounded the download on the node it ran on: sha256 busy for most of it means one core's hashing, disk I/O the
/// volume, neither the network (src/LlmKube.Fetcher/README.md). Two clock reads per write and per hash call.
/// </summary>
internal sealed class StageTimes(TimeProvider time)
{
    private long _hashing;
    private long _disk;

    /// <summary>Where a timed step starts; hand it to <see cref="Hashed"/> or <see cref="DiskDone"/> when it ends.</summary>
    public long Start() => time.GetTimestamp();

    public void Hashed(long start) => Interlocked.Add(ref _hashing, time.GetTimestamp() - start);

    public void DiskDone(long start) => Interlocked.Add(ref _disk, time.GetTimestamp() - start);

    public TimeSpan Hashing => Span(Interlocked.Read(ref _hashing));

    public TimeSpan Disk => Span(Interlocked.Read(ref _disk));

    private TimeSpan Span(long ticks) => TimeSpan.FromSeconds((double)ticks / time.TimestampFrequency);
}
