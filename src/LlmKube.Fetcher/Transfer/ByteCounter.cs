namespace LlmKube.Fetcher.Transfer;

/// <summary>Progress of the current file: bytes done (present or received), and bytes moved over the network.</summary>
internal sealed class ByteCounter
{
    private long _received;
    private long _done;

    public long? Total { get; set; }

    /// <summary>Bytes received from the source, including any that were later thrown away.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Bytes of the file that are in place (resumed or received).</summary>
    public long Done => Interlocked.Read(ref _done);

    public void AddReceived(long n)
    {
        Interlocked.Add(ref _received, n);
        Interlocked.Add(ref _done, n);
    }

    public void AddPresent(long n) => Interlocked.Add(ref _done, n);

    public void ResetDone() => Interlocked.Exchange(ref _done, 0);
}
