namespace LlmKube.ControllerRuntime;

/// <summary>Observes a <see cref="WorkQueue{TKey}"/> (metrics), with client-go's workqueue semantics.</summary>
public interface IWorkQueueObserver
{
    /// <summary>A key entered the queue (an add of a key that was already waiting is not counted).</summary>
    void Added();

    /// <summary>A key was scheduled for a rate-limited retry.</summary>
    void Retried();

    /// <summary>The number of keys waiting to be handed out (including ones re-added while being processed) changed.</summary>
    void DepthChanged(int depth);

    /// <summary>A key was handed to a worker after waiting <paramref name="waited"/> since it was added.</summary>
    void Taken(TimeSpan waited);

    /// <summary>A worker finished a key it had held for <paramref name="processing"/>.</summary>
    void Processed(TimeSpan processing);
}

/// <summary>
/// A work queue with client-go semantics:
/// <list type="bullet">
/// <item>a key is queued at most once (a "dirty" set de-duplicates adds);</item>
/// <item>a key handed to a worker is "processing" until <see cref="Done"/>; it is never handed to a second worker
/// meanwhile — re-adding it marks it dirty, and <see cref="Done"/> puts it back in the queue once;</item>
/// <item><see cref="AddAfter"/> delays an add (the earliest pending time wins); <see cref="AddRateLimited"/>
/// delays by the rate limiter; <see cref="Forget"/> resets a key's back-off; nothing ever drops a key;</item>
/// <item><see cref="ShutDown"/> stops handing out keys; <see cref="ShutDownWithDrainAsync"/> also waits for keys
/// being processed to be <see cref="Done"/>.</item>
/// </list>
/// Keys are handed out in FIFO order of becoming ready.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly object _lock = new();
    private readonly LinkedList<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = new();
    private readonly Dictionary<TKey, long> _processing = new();
    private readonly Dictionary<TKey, long> _addedAt = new();
    private readonly LinkedList<TaskCompletionSource<(TKey, bool)>> _waiters = new();
    private readonly PriorityQueue<TKey, (DateTimeOffset At, long Seq)> _delayed = new();
    private readonly Dictionary<TKey, DateTimeOffset> _delayedAt = new();
    private readonly TimeProvider _time;
    private readonly IRateLimiter<TKey> _limiter;
    private readonly IWorkQueueObserver? _observer;
    private readonly ITimer _timer;
    private DateTimeOffset _timerAt = DateTimeOffset.MaxValue;
    private TaskCompletionSource? _drained;
    private long _seq;
    private bool _shuttingDown;

    /// <summary>Creates a queue.</summary>
    /// <param name="rateLimiter">Back-off for <see cref="AddRateLimited"/>; defaults to <see cref="RateLimiterOptions"/>.</param>
    /// <param name="timeProvider">Clock for delays; defaults to the system clock.</param>
    /// <param name="observer">Optional metrics observer.</param>
    public WorkQueue(IRateLimiter<TKey>? rateLimiter = null, TimeProvider? timeProvider = null, IWorkQueueObserver? observer = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _limiter = rateLimiter ?? new RateLimiterOptions().Create<TKey>(_time);
        _observer = observer;
        _timer = _time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Number of keys ready to be handed out (not counting delayed or processing keys).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Number of keys waiting for a delay to pass.</summary>
    public int DelayedCount
    {
        get
        {
            lock (_lock)
            {
                return _delayedAt.Count;
            }
        }
    }

    /// <summary>Whether <see cref="ShutDown"/> was called.</summary>
    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>Queues <paramref name="key"/> unless it is already queued; ignored after shutdown.</summary>
    public void Add(TKey key)
    {
        lock (_lock)
        {
            AddLocked(key);
        }
    }

    /// <summary>Queues <paramref name="key"/> once <paramref name="delay"/> has passed (immediately when not positive).
    /// If the key is already waiting, the earlier time wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                AddLocked(key);
                return;
            }

            var at = _time.GetUtcNow() + delay;
            if (_delayedAt.TryGetValue(key, out var existing) && existing <= at)
            {
                return;
            }

            _delayedAt[key] = at;
            _delayed.Enqueue(key, (at, _seq++));
            ScheduleLocked();
        }
    }

    /// <summary>Queues <paramref name="key"/> after the rate limiter's delay (a retry).</summary>
    public void AddRateLimited(TKey key)
    {
        _observer?.Retried();
        AddAfter(key, _limiter.When(key));
    }

    /// <summary>Resets the back-off of <paramref name="key"/>; call it when the key was processed successfully.</summary>
    public void Forget(TKey key) => _limiter.Forget(key);

    /// <summary>How many rate-limited retries <paramref name="key"/> had since it was last forgotten.</summary>
    public int NumRequeues(TKey key) => _limiter.NumRequeues(key);

    /// <summary>
    /// Work in progress, as client-go's <c>workqueue_unfinished_work_seconds</c> (sum of the ages of keys being
    /// processed; growing steadily means stuck workers) and <c>workqueue_longest_running_processor_seconds</c>.
    /// </summary>
    public (TimeSpan Total, TimeSpan Longest) UnfinishedWork()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var total = TimeSpan.Zero;
            var longest = TimeSpan.Zero;
            foreach (var since in _processing.Values)
            {
                var age = _time.GetElapsedTime(since, now);
                total += age;
                longest = age > longest ? age : longest;
            }

            return (total, longest);
        }
    }

    /// <summary>
    /// Waits for the next key and marks it processing. Returns <c>(default, true)</c> once the queue is shut down.
    /// The caller must call <see cref="Done"/> for every key it gets.
    /// </summary>
    public Task<(TKey Key, bool ShutDown)> GetAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return Task.FromResult<(TKey, bool)>((default!, true));
            }

            if (_queue.Count > 0)
            {
                return Task.FromResult<(TKey, bool)>((TakeLocked(), false));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var tcs = new TaskCompletionSource<(TKey, bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var node = _waiters.AddLast(tcs);
            if (cancellationToken.CanBeCanceled)
            {
                var reg = cancellationToken.Register(() =>
                {
                    lock (_lock)
                    {
                        if (node.List != null)
                        {
                            _waiters.Remove(node);
                            tcs.TrySetCanceled(cancellationToken);
                        }
                    }
                });
                _ = tcs.Task.ContinueWith(_ => reg.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return tcs.Task;
        }
    }

    /// <summary>Marks <paramref name="key"/> as processed; if it was re-added meanwhile it is queued again.</summary>
    public void Done(TKey key)
    {
        lock (_lock)
        {
            if (!_processing.Remove(key, out var since))
            {
                return;
            }

            _observer?.Processed(_time.GetElapsedTime(since));

            if (_dirty.Contains(key) && !_shuttingDown)
            {
                _queue.AddLast(key);
                DispatchLocked();
            }

            if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops handing out keys; waiting <see cref="GetAsync"/> calls return shut down.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            while (_waiters.First is { } node)
            {
                _waiters.RemoveFirst();
                node.Value.TrySetResult((default!, true));
            }
        }
    }

    /// <summary>Shuts down and waits until every key being processed is <see cref="Done"/>.</summary>
    public Task ShutDownWithDrainAsync(CancellationToken cancellationToken = default)
    {
        ShutDown();
        lock (_lock)
        {
            if (_processing.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
    }

    private void AddLocked(TKey key)
    {
        if (_shuttingDown)
        {
            return;
        }

        if (!_dirty.Add(key))
        {
            return;
        }

        _observer?.Added();

        _addedAt.TryAdd(key, _time.GetTimestamp());
        _observer?.DepthChanged(_dirty.Count);
        if (_processing.ContainsKey(key))
        {
            return;
        }

        _queue.AddLast(key);
        DispatchLocked();
    }

    private TKey TakeLocked()
    {
        var key = _queue.First!.Value;
        _queue.RemoveFirst();
        var now = _time.GetTimestamp();
        _processing.Add(key, now);
        _dirty.Remove(key);
        if (_addedAt.Remove(key, out var added))
        {
            _observer?.Taken(_time.GetElapsedTime(added, now));
        }

        _observer?.DepthChanged(_dirty.Count);
        return key;
    }

    private void DispatchLocked()
    {
        while (_waiters.First is { } node && _queue.Count > 0)
        {
            _waiters.RemoveFirst();
            node.Value.TrySetResult((TakeLocked(), false));
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            _timerAt = DateTimeOffset.MaxValue;
            if (_shuttingDown)
            {
                return;
            }

            var now = _time.GetUtcNow();
            while (_delayed.TryPeek(out var key, out var prio) && prio.At <= now)
            {
                _delayed.Dequeue();
                if (_delayedAt.TryGetValue(key, out var at) && at == prio.At)
                {
                    _delayedAt.Remove(key);
                    AddLocked(key);
                }
            }

            ScheduleLocked();
        }
    }

    private void ScheduleLocked()
    {
        // Drop stale heap entries (a key re-scheduled earlier leaves its old entry behind).
        while (_delayed.TryPeek(out var key, out var prio) &&
               (!_delayedAt.TryGetValue(key, out var at) || at != prio.At))
        {
            _delayed.Dequeue();
        }

        if (!_delayed.TryPeek(out _, out var next))
        {
            return;
        }

        if (next.At >= _timerAt)
        {
            return;
        }

        _timerAt = next.At;
        var due = next.At - _time.GetUtcNow();
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }
}
