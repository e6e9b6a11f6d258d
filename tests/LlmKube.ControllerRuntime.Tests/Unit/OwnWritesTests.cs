using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class OwnWritesTests
{
    private static readonly ObjectKey Child = new("ns", "child");

    private static InformerEvent<V1ConfigMap> Event(InformerEventType type, string rv) => new(type, IndexerTests.Cm("ns", "child", rv));

    private static (OwnWrites<V1ConfigMap> Writes, List<string> Woken) Attached()
    {
        var writes = new OwnWrites<V1ConfigMap>();
        var woken = new List<string>();
        writes.Attach(e => woken.Add(e.Object.Metadata.ResourceVersion));
        return (writes, woken);
    }

    private static void Write(OwnWrites<V1ConfigMap> writes, string? acceptedVersion, Action? whileInFlight = null)
    {
        using var write = writes.Begin(Child);
        whileInFlight?.Invoke();
        if (acceptedVersion is not null)
        {
            write.Accepted(IndexerTests.Cm("ns", "child", acceptedVersion));
        }
    }

    [Fact]
    public void Only_the_exact_version_written_is_an_echo_and_only_once()
    {
        var (writes, woken) = Attached();
        Write(writes, "7");

        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "6")));   // an older version someone else wrote
        Assert.False(writes.IsEcho(Event(InformerEventType.Resync, "7")));  // a resync is never swallowed
        Assert.False(writes.IsEcho(new InformerEvent<V1ConfigMap>(InformerEventType.Added, IndexerTests.Cm("ns", "other", "7"))));
        Assert.Equal(1, writes.Pending);

        Assert.True(writes.IsEcho(Event(InformerEventType.Added, "7")));
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));   // a second delivery wakes the owner
        Assert.Equal(0, writes.Pending);

        // An update's echo arrives as Updated.
        Write(writes, "9");
        Assert.False(writes.IsEcho(Event(InformerEventType.Updated, "8")));
        Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "9")));
        Assert.Empty(woken);
        Assert.Equal(0, writes.InFlightCount);
    }

    [Fact]
    public void An_echo_that_beats_the_writes_response_is_held_and_dropped_when_the_server_answers_its_version()
    {
        var (writes, woken) = Attached();
        Write(writes, "7", () => Assert.True(writes.IsEcho(Event(InformerEventType.Added, "7"))));

        Assert.Empty(woken);
        Assert.Equal(0, writes.Pending);                                    // nothing left to wait for
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));   // a second delivery wakes the owner
        Assert.Equal(0, writes.InFlightCount);
    }

    [Fact]
    public void A_held_event_of_another_version_wakes_the_owner_when_the_write_ends_and_the_writes_own_echo_is_still_awaited()
    {
        var (writes, woken) = Attached();
        Write(writes, "9", () =>
        {
            Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "8")));  // someone else's change, seen during the write
        });

        Assert.Equal(["8"], woken);
        Assert.Equal(1, writes.Pending);
        Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "9")));

        // Its own echo and a later change, both during the write: the latest wakes the owner.
        woken.Clear();
        Write(writes, "10", () =>
        {
            Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "10")));
            Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "11")));
        });
        Assert.Equal(["11"], woken);
        Assert.Equal(0, writes.Pending);
    }

    [Fact]
    public void A_write_that_failed_or_wrote_nothing_releases_what_it_held_to_the_owner()
    {
        var (writes, woken) = Attached();
        Write(writes, acceptedVersion: null, () => Assert.True(writes.IsEcho(Event(InformerEventType.Updated, "5"))));

        Assert.Equal(["5"], woken);
        Assert.Equal(0, writes.Pending);
        Assert.Equal(0, writes.InFlightCount);

        // A delete is never held.
        Write(writes, acceptedVersion: null, () => Assert.False(writes.IsEcho(Event(InformerEventType.Deleted, "5"))));
        Assert.Equal(["5"], woken);
    }

    [Fact]
    public void Without_a_controller_attached_nothing_is_held_since_nothing_could_wake_the_owner_later()
    {
        var writes = new OwnWrites<V1ConfigMap>();
        Write(writes, "7", () => Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7"))));

        // Detached again: the same.
        var (attached, woken) = Attached();
        using (attached.Attach(_ => woken.Add("second handler")))
        {
        }

        Write(attached, "3", () => Assert.False(attached.IsEcho(Event(InformerEventType.Added, "2"))));
        Assert.Empty(woken);
    }

    [Fact]
    public void A_delete_drops_an_echo_that_never_came_and_a_write_without_a_version_is_not_recorded()
    {
        var (writes, _) = Attached();
        Write(writes, "7");
        Assert.False(writes.IsEcho(Event(InformerEventType.Deleted, "7")));
        Assert.Equal(0, writes.Pending);
        Assert.False(writes.IsEcho(Event(InformerEventType.Added, "7")));

        using (var write = writes.Begin(Child))
        {
            var unversioned = IndexerTests.Cm("ns", "child");
            unversioned.Metadata.ResourceVersion = null;
            write.Accepted(unversioned);
        }

        Assert.Equal(0, writes.Pending);
    }
}
