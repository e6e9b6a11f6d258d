using LlmKube.ControllerRuntime;
using Microsoft.Extensions.Time.Testing;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class RateLimiterTests
{
    [Fact]
    public void Item_exponential_doubles_up_to_the_cap_per_key()
    {
        var l = new ItemExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("b"));
        for (var i = 0; i < 100; i++)
        {
            l.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), l.When("a"));
        Assert.Equal(104, l.NumRequeues("a"));
        l.Forget("a");
        Assert.Equal(0, l.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("a"));
    }

    [Fact]
    public void Bucket_allows_the_burst_then_spaces_by_qps_and_refills()
    {
        var time = new FakeTimeProvider();
        var l = new BucketRateLimiter<string>(10, 3, time);
        Assert.Equal(TimeSpan.Zero, l.When("a"));
        Assert.Equal(TimeSpan.Zero, l.When("b"));
        Assert.Equal(TimeSpan.Zero, l.When("c"));
        Assert.Equal(100, l.When("d").TotalMilliseconds, 3);
        Assert.Equal(200, l.When("e").TotalMilliseconds, 3);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, l.When("f"));
    }

    [Fact]
    public void Max_of_takes_the_longest_delay()
    {
        var time = new FakeTimeProvider();
        var l = new MaxOfRateLimiter<string>(
            new ItemExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1)),
            new BucketRateLimiter<string>(1, 1, time));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("a"));
        Assert.Equal(1000, l.When("b").TotalMilliseconds, 3);
        Assert.Equal(1, l.NumRequeues("a"));
    }

    [Fact]
    public void Defaults_are_documented_values()
    {
        var o = new RateLimiterOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(5), o.ItemBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1000), o.ItemMaxDelay);
        Assert.Equal(50, o.OverallQps);
        Assert.Equal(1000, o.OverallBurst);
        var l = o.Create<string>(new FakeTimeProvider());
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("x"));
    }

    [Fact]
    public void Backoff_grows_with_jitter_within_bounds_and_resets()
    {
        var b = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), new Random(42));
        var expectedMax = new[] { 1, 2, 4, 8, 8, 8 };
        foreach (var max in expectedMax)
        {
            var d = b.Next().TotalSeconds;
            Assert.InRange(d, max / 2.0, max);
        }

        b.Reset();
        Assert.InRange(b.Next().TotalSeconds, 0.5, 1);
    }
}
