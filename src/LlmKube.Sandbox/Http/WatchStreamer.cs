using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Storage;
using LlmKube.Sandbox.Tables;
using Microsoft.AspNetCore.Http;

namespace LlmKube.Sandbox.Http;

/// <summary>
/// Streams a watch as newline-delimited <c>{"type","object"}</c> frames, flushed as they are written.
/// Selector transitions become ADDED/DELETED as on the real server; an expired resourceVersion is one
/// ERROR frame carrying a 410 Expired Status; <c>timeoutSeconds</c> ends the stream cleanly.
/// </summary>
internal sealed class WatchStreamer
{
    private readonly ObjectStore _store;
    private readonly TimeProvider _time;

    public WatchStreamer(ObjectStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    public async Task StreamAsync(HttpContext http, ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, CancellationToken stopping)
    {
        var request = http.Request;
        var version = HttpIo.Query(request, "resourceVersion");
        long? from = null;
        if (version.Length > 0 && version != "0")
        {
            from = long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ApiException.BadRequest($"invalid resource version: {version}");
        }

        var asTable = HttpIo.WantsTable(request);
        var includeObject = HttpIo.Query(request, "includeObject");
        WatchSubscriber subscriber;
        try
        {
            subscriber = _store.Watch(type.StorageKey, ns, from, HttpIo.QueryFlag(request, "allowWatchBookmarks"));
        }
        catch (ApiException e) when (e.Code == 410)
        {
            http.Response.StatusCode = 200;
            http.Response.ContentType = HttpIo.Json;
            var frame = new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() };
            await http.Response.Body.WriteAsync(JsonUtil.ToBytes(frame), http.RequestAborted).ConfigureAwait(false);
            await http.Response.Body.WriteAsync("\n"u8.ToArray(), http.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        if (long.TryParse(HttpIo.Query(request, "timeoutSeconds"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = asTable ? TableBuilder.ContentType : HttpIo.Json;
        http.Response.Headers.CacheControl = "no-cache, private";
        await http.Response.StartAsync(timeout.Token).ConfigureAwait(false);
        var writer = http.Response.BodyWriter;
        var firstTable = true;
        try
        {
            while (await subscriber.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                while (subscriber.TryRead(out var item))
                {
                    var frame = Frame(type, item, labels, fields, asTable, includeObject, ref firstTable);
                    if (frame is not null)
                    {
                        writer.Write(frame.AsSpan());
                        writer.Write("\n"u8);
                    }
                }

                await writer.FlushAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: the stream just ends.
        }
        finally
        {
            _store.Unwatch(subscriber);
        }
    }

    private byte[]? Frame(ResourceType type, WatchItem item, LabelSelector labels, FieldSelector fields, bool asTable, string includeObject, ref bool firstTable)
    {
        if (item.Event is not { } change)
        {
            var bookmark = new JsonObject
            {
                ["kind"] = asTable ? "Table" : type.Kind,
                ["apiVersion"] = asTable ? "meta.k8s.io/v1" : type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = item.BookmarkRevision.ToString(CultureInfo.InvariantCulture) },
            };
            return Wrap("BOOKMARK", JsonUtil.ToBytes(bookmark));
        }

        var now = Matches(change.Object, labels, fields);
        var before = change.Previous is not null && Matches(change.Previous, labels, fields);
        var eventType = change.Type switch
        {
            WatchEventType.Added when now => "ADDED",
            WatchEventType.Modified when now && before => "MODIFIED",
            WatchEventType.Modified when now => "ADDED",
            WatchEventType.Modified when before => "DELETED",
            WatchEventType.Deleted when before || now => "DELETED",
            _ => null,
        };
        if (eventType is null)
        {
            return null;
        }

        if (!asTable)
        {
            return Wrap(eventType, Presenter.Bytes(type, change.Object));
        }

        var table = TableBuilder.Build(type, [Presenter.Object(type, change.Object)], _time.GetUtcNow(), includeObject, firstTable, null);
        firstTable = false;
        return Wrap(eventType, JsonUtil.ToBytes(table));
    }

    private static bool Matches(StoredObject obj, LabelSelector labels, FieldSelector fields) =>
        labels.Matches(obj.Labels) && (fields.IsEmpty || fields.Matches(obj.Object));

    private static byte[] Wrap(string type, byte[] obj)
    {
        using var buffer = new MemoryStream(obj.Length + 32);
        using (var writer = new Utf8JsonWriter(buffer, JsonUtil.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            writer.WriteRawValue(obj, skipInputValidation: true);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
