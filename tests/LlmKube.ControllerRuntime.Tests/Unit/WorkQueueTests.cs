using LlmKube.ControllerRuntime;
using Microsoft.Extensions.Time.Testing;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class WorkQueueTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private WorkQueue<string> NewQueue(IRateLimiter<string>? limiter = null) => new(limiter, _time);

    private static async Task<string> Take(WorkQueue<string> q)
    {
        var (key, shutDown) = await q.GetAsync().WaitAsync(Timeout);
        Assert.False(shutDown);
        return key;
    }

    [Fact]
    public async Task Duplicate_adds_are_collapsed_and_order_is_fifo()
    {
        using var q = NewQueue();
        q.Add("a");
        q.Add("b");
        q.Add("a");
        q.Add("c");
        q.Add("b");
        Assert.Equal(3, q.Count);
        Assert.Equal("a", await Take(q));
        Assert.Equal("b", await Take(q));
        Assert.Equal("c", await Take(q));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_out_again_until_done()
    {
        using var q = NewQueue();
        q.Add("a");
        Assert.Equal("a", await Take(q));
        q.Add("a");
        Assert.Equal(0, q.Count);
        var second = q.GetAsync();
        Assert.False(second.IsCompleted);
        q.Done("a");
        var (key, _) = await second.WaitAsync(Timeout);
        Assert.Equal("a", key);
    }

    [Fact]
    public async Task Readding_during_processing_runs_once_more_after_done()
    {
        using var q = NewQueue();
        q.Add("a");
        await Take(q);
        q.Add("a");
        q.Add("a");
        q.Add("a");
        q.Done("a");
        Assert.Equal(1, q.Count);
        Assert.Equal("a", await Take(q));
        q.Done("a");
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task Done_without_readd_does_not_requeue()
    {
        using var q = NewQueue();
        q.Add("a");
        await Take(q);
        q.Done("a");
        Assert.Equal(0, q.Count);
        var next = q.GetAsync();
        Assert.False(next.IsCompleted);
        q.ShutDown();
        Assert.True((await next.WaitAsync(Timeout)).ShutDown);
    }

    [Fact]
    public async Task Many_workers_never_process_one_key_concurrently()
    {
        using var q = new WorkQueue<string>();
        var inFlight = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var violations = 0;
        var processed = 0;
        var keys = Enumerable.Range(0, 5).Select(i => "k" + i).ToArray();
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var (key, shutDown) = await q.GetAsync();
                if (shutDown)
                {
                    return;
                }

                if (inFlight.AddOrUpdate(key, 1, (_, n) => n + 1) > 1)
                {
                    Interlocked.Increment(ref violations);
                }

                await Task.Yield();
                Thread.SpinWait(200);
                inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
                Interlocked.Increment(ref processed);
                q.Done(key);
            }
        })).ToArray();

        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                q.Add(keys[(i + p) % keys.Length]);
            }
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(Timeout);

        var deadline = DateTime.UtcNow + Timeout;
        while ((q.Count > 0 || inFlight.Values.Any(v => v > 0)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        await q.ShutDownWithDrainAsync().WaitAsync(Timeout);
        await Task.WhenAll(workers).WaitAsync(Timeout);
        Assert.Equal(0, violations);
        Assert.True(processed >= keys.Length);
    }

    [Fact]
    public async Task AddAfter_waits_for_the_delay_and_orders_by_ready_time()
    {
        using var q = NewQueue();
        q.AddAfter("late", TimeSpan.FromSeconds(10));
        q.AddAfter("early", TimeSpan.FromSeconds(5));
        Assert.Equal(0, q.Count);
        Assert.Equal(2, q.DelayedCount);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, q.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.Count);
        Assert.Equal("early", await Take(q));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("late", await Take(q));
    }

    [Fact]
    public async Task AddAfter_keeps_the_earliest_time_for_a_key()
    {
        using var q = NewQueue();
        q.AddAfter("a", TimeSpan.FromSeconds(10));
        q.AddAfter("a", TimeSpan.FromSeconds(2));
        q.AddAfter("a", TimeSpan.FromSeconds(30));
        Assert.Equal(1, q.DelayedCount);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("a", await Take(q));
        q.Done("a");
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task AddAfter_with_zero_delay_adds_at_once_and_dedups_with_ready_keys()
    {
        using var q = NewQueue();
        q.Add("a");
        q.AddAfter("a", TimeSpan.Zero);
        Assert.Equal(1, q.Count);
        Assert.Equal("a", await Take(q));
    }

    [Fact]
    public async Task Rate_limited_adds_back_off_exponentially_and_forget_resets()
    {
        var limiter = new ItemExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
        using var q = NewQueue(limiter);
        q.AddRateLimited("a");
        Assert.Equal(1, q.NumRequeues("a"));
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, q.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("a", await Take(q));
        q.AddRateLimited("a");
        q.Done("a");
        _time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(0, q.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("a", await Take(q));
        q.Forget("a");
        Assert.Equal(0, q.NumRequeues("a"));
    }

    [Fact]
    public async Task A_failing_key_is_never_dropped()
    {
        var limiter = new ItemExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
        using var q = NewQueue(limiter);
        q.Add("a");
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("a", await Take(q));
            q.AddRateLimited("a");
            q.Done("a");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(50, q.NumRequeues("a"));
        Assert.Equal("a", await Take(q));
    }

    [Fact]
    public async Task Shutdown_wakes_waiters_and_stops_handing_out_keys()
    {
        using var q = NewQueue();
        var waiter = q.GetAsync();
        q.ShutDown();
        Assert.True((await waiter.WaitAsync(Timeout)).ShutDown);
        q.Add("a");
        Assert.Equal(0, q.Count);
        Assert.True((await q.GetAsync()).ShutDown);
        q.AddAfter("b", TimeSpan.FromSeconds(1));
        Assert.Equal(0, q.DelayedCount);
    }

    [Fact]
    public async Task Shutdown_with_drain_waits_for_keys_in_processing()
    {
        using var q = NewQueue();
        q.Add("a");
        await Take(q);
        var drain = q.ShutDownWithDrainAsync();
        Assert.False(drain.IsCompleted);
        Assert.True((await q.GetAsync()).ShutDown);
        Assert.False(drain.IsCompleted);
        q.Done("a");
        await drain.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Cancelled_get_does_not_swallow_a_key()
    {
        using var q = NewQueue();
        using var cts = new CancellationTokenSource();
        var get = q.GetAsync(cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get);
        q.Add("a");
        Assert.Equal("a", await Take(q));
    }

    [Fact]
    public async Task Waiting_get_receives_a_key_added_later()
    {
        using var q = NewQueue();
        var get = q.GetAsync();
        Assert.False(get.IsCompleted);
        q.Add("x");
        Assert.Equal("x", (await get.WaitAsync(Timeout)).Key);
    }

    [Fact]
    public async Task Observer_sees_client_go_workqueue_semantics()
    {
        var observed = new RecordingObserver();
        using var q = new WorkQueue<string>(null, _time, observed);
        q.Add("a");
        q.Add("a"); // already waiting: not an add, as in client-go
        q.Add("b");
        Assert.Equal((2, 2), (observed.Adds, observed.Depth));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("a", await Take(q));
        Assert.Equal([TimeSpan.FromSeconds(3)], observed.Waits);
        Assert.Equal(1, observed.Depth);

        q.Add("a"); // re-added while processing: waiting again (depth counts it), handed out after Done
        Assert.Equal((3, 2), (observed.Adds, observed.Depth));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)), q.UnfinishedWork());
        Assert.Equal("b", await Take(q));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3)), q.UnfinishedWork());

        q.Done("a");
        Assert.Equal([TimeSpan.FromSeconds(3)], observed.Processing);
        Assert.Equal("a", await Take(q));
        Assert.Equal(TimeSpan.FromSeconds(3), observed.Waits[^1]); // from the re-add, not from the first add
        q.AddRateLimited("c");
        Assert.Equal(1, observed.Retries);
    }

    private sealed class RecordingObserver : IWorkQueueObserver
    {
        public int Adds { get; private set; }

        public int Retries { get; private set; }

        public int Depth { get; private set; }

        public List<TimeSpan> Waits { get; } = [];

        public List<TimeSpan> Processing { get; } = [];

        public void Added() => Adds++;

        public void Retried() => Retries++;

        public void DepthChanged(int depth) => Depth = depth;

        public void Taken(TimeSpan waited) => Waits.Add(waited);

        public void Processed(TimeSpan processing) => Processing.Add(processing);
    }
}
