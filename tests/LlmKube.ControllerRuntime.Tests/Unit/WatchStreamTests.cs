using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.ControllerRuntime.Tests.Unit;

public class WatchStreamTests
{
    private const string ConfigMap = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","namespace":"ns","resourceVersion":"RV","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"a":"b"}},"data":{"k":"caf\u00e9 \"v\""}}""";

    private static string Object(string name, string rv) => ConfigMap.Replace("NAME", name).Replace("RV", rv);

    private static async Task<(List<(WatchEventType Type, V1ConfigMap Object)> Events, List<Exception> Errors)> ReadAllAsync(Stream stream)
    {
        var errors = new List<Exception>();
        var events = new List<(WatchEventType, V1ConfigMap)>();
        await foreach (var e in WatchStream.ReadAsync<V1ConfigMap>(stream, errors.Add, KubernetesJsonNodes.Options, CancellationToken.None))
        {
            events.Add(e);
        }

        return (events, errors);
    }

    private static Stream Lines(params string[] lines) => new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", lines)));

    [Fact]
    public async Task Every_event_type_reads_as_the_clients_watcher_reads_it_in_either_property_order()
    {
        var (events, errors) = await ReadAllAsync(Lines(
            $$"""{"type":"ADDED","object":{{Object("a", "1")}}}""",
            $$"""{"type":"MODIFIED","object":{{Object("a", "2")}}}""",
            // Another server may write the object first; an unknown property is skipped.
            $$"""{"object":{{Object("b", "3")}},"extra":[1,{"x":2}],"type":"DELETED"}""",
            """{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"4"}}}""",
            ""));

        Assert.Empty(errors);
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted, WatchEventType.Bookmark], events.Select(e => e.Type));
        Assert.Equal(["1", "2", "3", "4"], events.Select(e => e.Object.Metadata.ResourceVersion));
        var expected = KubernetesJson.Deserialize<V1ConfigMap>(Object("a", "1"));
        Assert.Equal(KubernetesJson.Serialize(expected), KubernetesJson.Serialize(events[0].Object));
        Assert.Equal("caf\u00e9 \"v\"", events[2].Object.Data["k"]);
    }

    [Fact]
    public async Task Without_managed_fields_an_event_skips_them_whatever_they_hold_and_reads_the_rest_as_the_client_does()
    {
        // What a real API server sends (the sandbox never does), and what a broken or hostile one might: a cache that
        // drops managedFields must not build them, nor lose an event to a field it never keeps.
        var entry = """{"manager":"llmkube-operator","operation":"Update","apiVersion":"v1","time":"2026-12-06T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:a":{}}}}}""";
        string[] managedFields = [$"[{entry},{entry}]", """[{"time":"not a time","fieldsV1":[1,2]}]""", "\"a string\"", "null", "[]"];
        foreach (var fields in managedFields)
        {
            var json = Object("a", "1").Replace("\"labels\"", $"\"managedFields\":{fields},\"labels\"");
            var errors = new List<Exception>();
            var read = new List<V1ConfigMap>();
            await foreach (var (_, obj) in WatchStream.ReadAsync<V1ConfigMap>(Lines($$"""{"type":"ADDED","object":{{json}}}"""), errors.Add, KubernetesJsonNodes.WithoutManagedFields, CancellationToken.None))
            {
                read.Add(obj);
            }

            Assert.Empty(errors);
            var cm = Assert.Single(read);
            Assert.Null(cm.Metadata.ManagedFields);
            Assert.Equal(KubernetesJson.Serialize(KubernetesJson.Deserialize<V1ConfigMap>(Object("a", "1"))), KubernetesJson.Serialize(cm));
        }

        // The client's own options still read them all, and writing through the dropping options keeps them.
        var kept = KubernetesJson.Deserialize<V1ConfigMap>(Object("a", "1").Replace("\"labels\"", $"\"managedFields\":[{entry}],\"labels\""));
        Assert.Equal("llmkube-operator", Assert.Single(kept.Metadata.ManagedFields).Manager);
        Assert.Equal(KubernetesJson.Serialize(kept), JsonSerializer.Serialize(kept, KubernetesJsonNodes.WithoutManagedFields));
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<V1ConfigMap>(Object("a", "1").Replace("\"labels\"", "\"managedFields\":\"a string\",\"labels\""), KubernetesJsonNodes.Options));
    }

    [Fact]
    public async Task An_error_event_reaches_on_error_as_the_servers_status_and_is_not_yielded()
    {
        var (events, errors) = await ReadAllAsync(Lines(
            $$"""{"type":"ADDED","object":{{Object("a", "1")}}}""",
            """{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"""));

        Assert.Single(events);
        var error = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
    }

    [Fact]
    public async Task Lines_that_are_not_events_are_reported_and_the_stream_goes_on()
    {
        var (events, errors) = await ReadAllAsync(Lines(
            "not json",
            """{"type":"RENAMED","object":{}}""",
            """{"type":"ADDED"}""",
            """["ADDED"]""",
            """{"type":"ADDED","object":{"metadata":{"creationTimestamp":"yesterday"}}}""",
            """{"type":"ADDED","object":{"metadata":{"na""",
            "  \r",
            $$"""{"type":"ADDED","object":{{Object("a", "1")}}}""" + "\r"));

        Assert.Equal(6, errors.Count);
        Assert.Contains("RENAMED", errors[1].Message, StringComparison.Ordinal);
        Assert.Equal("a", Assert.Single(events).Object.Metadata.Name);
    }

    [Fact]
    public async Task Events_split_across_reads_of_any_size_and_longer_than_the_first_buffer_read_whole()
    {
        var big = new string('x', 200_000);
        var lines = Enumerable.Range(0, 20).Select(i => $$"""{"type":"ADDED","object":{{Object("n" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))}}}""").ToList();
        lines.Insert(7, $$"""{"type":"ADDED","object":{{Object("big", "100").Replace("\"k\":", $"\"big\":\"{big}\",\"k\":", StringComparison.Ordinal)}}}""");
        var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");

        foreach (var chunk in new[] { 1, 7, 4096, 1 << 20 })
        {
            var (events, errors) = await ReadAllAsync(new ChunkedStream(bytes, chunk));
            Assert.Empty(errors);
            Assert.Equal(21, events.Count);
            Assert.Equal(big, events[7].Object.Data["big"]);
            Assert.Equal("n19", events[^1].Object.Metadata.Name);
        }
    }

    [Fact]
    public async Task A_server_that_never_ends_a_line_fails_the_watch_instead_of_growing_the_buffer_without_bound()
    {
        var endless = new EndlessLineStream();
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(endless));

        Assert.Contains(WatchStream.MaxEventBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.InRange(endless.Served, WatchStream.MaxEventBytes, WatchStream.MaxEventBytes + (1 << 20));
    }

    /// <summary>Serves its bytes at most <c>chunk</c> at a time, as a network stream does.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    /// <summary>A hostile server: one line that never ends.</summary>
    private sealed class EndlessLineStream : Stream
    {
        public long Served { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => Served; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'a');
            Served += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            buffer.Span.Fill((byte)'a');
            Served += buffer.Length;
            return ValueTask.FromResult(buffer.Length);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
