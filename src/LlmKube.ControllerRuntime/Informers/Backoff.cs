namespace LlmKube.ControllerRuntime;

/// <summary>
/// Capped exponential back-off with "equal jitter": attempt n waits a random time in
/// [d/2, d] where d = min(max, initial * 2^n). Not thread-safe; one instance per loop.
/// </summary>
public sealed class Backoff
{
    private readonly Random _random;
    private int _attempt;

    /// <summary>Creates a back-off.</summary>
    public Backoff(TimeSpan initial, TimeSpan max, Random? random = null)
    {
        if (initial <= TimeSpan.Zero || max < initial)
        {
            throw new ArgumentOutOfRangeException(nameof(initial), "need 0 < initial <= max");
        }

        Initial = initial;
        Max = max;
        _random = random ?? Random.Shared;
    }

    /// <summary>First delay (before jitter).</summary>
    public TimeSpan Initial { get; }

    /// <summary>Cap (before jitter).</summary>
    public TimeSpan Max { get; }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    /// <summary>The next delay; each call doubles the base delay up to the cap.</summary>
    public TimeSpan Next()
    {
        var exp = Math.Min(_attempt, 40);
        _attempt++;
        var d = Math.Min(Max.Ticks, Initial.Ticks * Math.Pow(2, exp));
        var jittered = (d / 2) + (_random.NextDouble() * d / 2);
        return TimeSpan.FromTicks((long)jittered);
    }

    /// <summary>Starts over after a success.</summary>
    public void Reset() => _attempt = 0;
}
