using System.Collections.Concurrent;

namespace LlmKube.ControllerRuntime;

/// <summary>Decides how long an item waits before it is retried (client-go's <c>workqueue.RateLimiter</c>).</summary>
public interface IRateLimiter<in TKey>
{
    /// <summary>Records one more retry of <paramref name="item"/> and returns how long it must wait.</summary>
    TimeSpan When(TKey item);

    /// <summary>Forgets the failure history of <paramref name="item"/> (it succeeded or was given up on).</summary>
    void Forget(TKey item);

    /// <summary>How many times <paramref name="item"/> has been retried since it was last forgotten.</summary>
    int NumRequeues(TKey item);
}

/// <summary>
/// Per-item exponential back-off: <c>baseDelay * 2^failures</c>, capped at <c>maxDelay</c>.
/// The defaults (5 ms → 1000 s) are client-go's.
/// </summary>
public sealed class ItemExponentialRateLimiter<TKey> : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, int> _failures = new();

    /// <summary>Creates the limiter.</summary>
    public ItemExponentialRateLimiter(TimeSpan baseDelay, TimeSpan maxDelay)
    {
        if (baseDelay <= TimeSpan.Zero || maxDelay < baseDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(baseDelay), "need 0 < baseDelay <= maxDelay");
        }

        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
    }

    /// <summary>Delay of the first retry.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>Upper bound of any delay.</summary>
    public TimeSpan MaxDelay { get; }

    /// <inheritdoc/>
    public TimeSpan When(TKey item)
    {
        var exp = _failures.AddOrUpdate(item, 1, static (_, n) => n + 1) - 1;
        if (exp >= 62)
        {
            return MaxDelay;
        }

        var ticks = BaseDelay.Ticks * Math.Pow(2, exp);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <inheritdoc/>
    public void Forget(TKey item) => _failures.TryRemove(item, out _);

    /// <inheritdoc/>
    public int NumRequeues(TKey item) => _failures.TryGetValue(item, out var n) ? n : 0;
}

/// <summary>
/// An overall token bucket shared by all items: <c>qps</c> tokens per second, at most <c>burst</c> saved up.
/// Each <see cref="When"/> reserves one token and returns the wait until that token exists (golang's
/// <c>rate.Limiter.Reserve</c>), so a storm of failures is spread out instead of hammering the API server.
/// </summary>
public sealed class BucketRateLimiter<TKey> : IRateLimiter<TKey>
{
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private double _tokens;
    private long _last;

    /// <summary>Creates a full bucket.</summary>
    public BucketRateLimiter(double qps, int burst, TimeProvider? timeProvider = null)
    {
        if (qps <= 0 || burst < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(qps), "need qps > 0 and burst >= 1");
        }

        Qps = qps;
        Burst = burst;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = burst;
        _last = _time.GetTimestamp();
    }

    /// <summary>Tokens added per second.</summary>
    public double Qps { get; }

    /// <summary>Bucket size.</summary>
    public int Burst { get; }

    /// <inheritdoc/>
    public TimeSpan When(TKey item)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_last, now).TotalSeconds;
            _last = now;
            _tokens = Math.Min(Burst, _tokens + (elapsed * Qps));
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / Qps);
        }
    }

    /// <inheritdoc/>
    public void Forget(TKey item)
    {
    }

    /// <inheritdoc/>
    public int NumRequeues(TKey item) => 0;
}

/// <summary>Combines limiters: the delay is the longest any of them asks for (client-go's <c>MaxOfRateLimiter</c>).</summary>
public sealed class MaxOfRateLimiter<TKey> : IRateLimiter<TKey>
{
    private readonly IRateLimiter<TKey>[] _limiters;

    /// <summary>Creates the combination.</summary>
    public MaxOfRateLimiter(params IRateLimiter<TKey>[] limiters)
    {
        ArgumentNullException.ThrowIfNull(limiters);
        if (limiters.Length == 0)
        {
            throw new ArgumentException("at least one limiter", nameof(limiters));
        }

        _limiters = limiters;
    }

    /// <inheritdoc/>
    public TimeSpan When(TKey item)
    {
        var max = TimeSpan.Zero;
        foreach (var l in _limiters)
        {
            var d = l.When(item);
            if (d > max)
            {
                max = d;
            }
        }

        return max;
    }

    /// <inheritdoc/>
    public void Forget(TKey item)
    {
        foreach (var l in _limiters)
        {
            l.Forget(item);
        }
    }

    /// <inheritdoc/>
    public int NumRequeues(TKey item)
    {
        var max = 0;
        foreach (var l in _limiters)
        {
            max = Math.Max(max, l.NumRequeues(item));
        }

        return max;
    }
}

/// <summary>Settings of the default work-queue rate limiter.</summary>
public sealed record RateLimiterOptions
{
    /// <summary>First per-item retry delay (client-go: 5 ms).</summary>
    public TimeSpan ItemBaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest per-item retry delay (client-go: 1000 s).</summary>
    public TimeSpan ItemMaxDelay { get; init; } = TimeSpan.FromSeconds(1000);

    /// <summary>
    /// Overall retries per second across all keys. client-go uses 10; we default to 50 so that 1,000 objects
    /// that all fail once (e.g. a conflict storm at start-up) are retried within seconds, not minutes.
    /// </summary>
    public double OverallQps { get; init; } = 50;

    /// <summary>Overall burst (client-go: 100; ours: 1000, one retry for each of 1,000 objects at once).</summary>
    public int OverallBurst { get; init; } = 1000;

    /// <summary>The max of a per-item exponential limiter and an overall token bucket.</summary>
    public IRateLimiter<TKey> Create<TKey>(TimeProvider? timeProvider = null)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ItemExponentialRateLimiter<TKey>(ItemBaseDelay, ItemMaxDelay),
            new BucketRateLimiter<TKey>(OverallQps, OverallBurst, timeProvider));
}
