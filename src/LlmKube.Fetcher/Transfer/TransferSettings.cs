namespace LlmKube.Fetcher.Transfer;

/// <summary>Knobs of one transfer.</summary>
internal sealed record TransferSettings(
    int Connections,
    int MaxAttempts,
    TimeSpan StallTimeout,
    bool DirectIo = true,
    bool Fsync = true,
    int BufferSize = 1 << 20,
    long MinThroughput = 0,
    TimeSpan ThroughputWindow = default)
{
    /// <summary>Backoff before retry number <paramref name="attempt"/> (1-based): 250 ms doubling to 8 s.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, Math.Max(0, attempt - 1)), 8000));
}
