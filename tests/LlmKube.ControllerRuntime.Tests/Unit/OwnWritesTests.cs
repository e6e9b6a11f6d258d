using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class OwnWritesTests
{
    private static InformerEvent<V1ConfigMap> Event(InformerEventType type, string rv) => new(type, IndexerTests.Cm("ns", "child", rv));

    [Fact]
    public void Only_the_exact_version_written_is_an_echo_and_only_once()
    {
        var writes = new OwnWrites<V1ConfigMap>(new Indexer<V1ConfigMap>());
        Assert.True(writes.Wrote(IndexerTests.Cm("ns", "child", "7")));

        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "6")));   // an older version someone else wrote
        Assert.False(writes.IsEcho(Event(InformerEventType.Resync, "7")));  // a resync is never swallowed
        Assert.False(writes.IsEcho(new InformerEvent<V1ConfigMap>(InformerEventType.Added, IndexerTests.Cm("ns", "other", "7"))));
        Assert.Equal(1, writes.Pending);

        Assert.True(writes.IsEcho(Event(InformerEventType.Added, "7")));
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));   // a second delivery wakes the owner
        Assert.Equal(0, writes.Pending);

        // An update's echo arrives as Updated.
        writes.Wrote(IndexerTests.Cm("ns", "child", "9"));
        Assert.False(writes.IsEcho(Event(InformerEventType.Updated, "8")));
        Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "9")));
    }

    [Fact]
    public void An_echo_that_reached_the_cache_before_the_write_was_recorded_is_not_waited_for()
    {
        var cache = new Indexer<V1ConfigMap>();
        var writes = new OwnWrites<V1ConfigMap>(cache);
        cache.Upsert(IndexerTests.Cm("ns", "child", "7")); // the watch beat the create's response

        Assert.False(writes.Wrote(IndexerTests.Cm("ns", "child", "7")));
        Assert.Equal(0, writes.Pending);
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));

        // A cache still at an older version does not count.
        cache.Upsert(IndexerTests.Cm("ns", "child", "8"));
        Assert.True(writes.Wrote(IndexerTests.Cm("ns", "child", "9")));
        Assert.Equal(1, writes.Pending);
    }

    [Fact]
    public void A_delete_drops_an_echo_that_never_came_and_a_write_without_a_version_is_not_recorded()
    {
        var writes = new OwnWrites<V1ConfigMap>(new Indexer<V1ConfigMap>());
        writes.Wrote(IndexerTests.Cm("ns", "child", "7"));
        Assert.False(writes.IsEcho(Event(InformerEventType.Deleted, "7")));
        Assert.Equal(0, writes.Pending);
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));

        var unversioned = IndexerTests.Cm("ns", "child");
        unversioned.Metadata.ResourceVersion = null;
        Assert.False(writes.Wrote(unversioned));
        Assert.Equal(0, writes.Pending);
    }
}
