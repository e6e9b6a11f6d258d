using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// A WATCH over the client's own HTTP pipeline (its handlers, credentials and base address; <see cref="ApiGet"/>), with
/// each event decoded once, straight from its UTF-8 bytes. The client's watcher reads every line into a string, parses it once to look
/// for a Status and again into the type: in the 1,000-service benchmark that was most of a fifth of the operator's
/// CPU, spent on watch events (bench/operator/README.md, session 11).
/// </summary>
internal static class WatchStream
{
    /// <summary>
    /// The longest event line accepted. The API server caps an object at about 1.5 MB (etcd's request limit); a line
    /// longer than this is a broken or hostile stream, not an object, and fails the watch instead of growing the buffer.
    /// </summary>
    internal const int MaxEventBytes = 16 << 20;

    /// <summary>Opens the watch and yields its events; ERROR events go to <paramref name="onError"/> (see <see cref="IResourceClient{T}.WatchAsync"/>).</summary>
    public static async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync<T>(
        IKubernetes client, ApiResource resource, WatchRequest request, Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        using var response = await ApiGet.SendAsync(ApiGet.Client(client), ApiGet.WatchPathAndQuery(resource, request), cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var item in ReadAsync<T>(stream, onError, ApiGet.Options(request.KeepManagedFields), cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// The events of a newline-delimited watch stream. A line that is not a watch event goes to
    /// <paramref name="onError"/> and the stream goes on (as the client's watcher does); a line over
    /// <see cref="MaxEventBytes"/> ends it with an <see cref="InvalidDataException"/>.
    /// </summary>
    internal static async IAsyncEnumerable<(WatchEventType Type, T Object)> ReadAsync<T>(
        Stream stream, Action<Exception> onError, JsonSerializerOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int start = 0, end = 0, scanned = 0;
            while (true)
            {
                var newline = buffer.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var lineEnd = scanned + newline;
                    var decoded = Decode<T>(buffer.AsSpan(start, lineEnd - start), options, onError);
                    start = scanned = lineEnd + 1;
                    if (decoded is { } item)
                    {
                        yield return item;
                    }

                    continue;
                }

                scanned = end;
                if (start > 0)
                {
                    // Keep the partial line at the front, so a line never needs more than its own length of buffer.
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    (end, scanned, start) = (end - start, scanned - start, 0);
                }

                if (end == buffer.Length)
                {
                    if (buffer.Length >= MaxEventBytes)
                    {
                        throw new InvalidDataException($"a watch event is longer than {MaxEventBytes} bytes");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxEventBytes));
                    buffer.AsSpan(0, end).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    // The last line may end without a newline.
                    if (Decode<T>(buffer.AsSpan(0, end), options, onError) is { } last)
                    {
                        yield return last;
                    }

                    yield break;
                }

                end += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One event, or null for a blank line, an ERROR event (its Status goes to <paramref name="onError"/> as a
    /// <see cref="KubernetesException"/>) and a line that is not an event (its exception goes there).
    /// </summary>
    internal static (WatchEventType Type, T Object)? Decode<T>(ReadOnlySpan<byte> line, JsonSerializerOptions options, Action<Exception> onError)
        where T : class
    {
        line = line.Trim(" \t\r"u8);
        if (line.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("a watch event is not a JSON object");
            }

            WatchEventType? type = null;
            var objectAt = default(Utf8JsonReader);
            var sawObject = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = EventType(ref reader);
                }
                else if (reader.ValueTextEquals("object"u8))
                {
                    reader.Read();
                    if (type is { } known)
                    {
                        // The API server writes the type first: the object is read once, straight into its type.
                        return Object<T>(known, ref reader, options, onError);
                    }

                    // Another order: remember where the object starts, and read it once the type is known.
                    objectAt = reader;
                    sawObject = true;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (type is not { } eventType || !sawObject)
            {
                throw new JsonException("a watch event needs a type and an object");
            }

            return Object<T>(eventType, ref objectAt, options, onError);
        }
        catch (Exception e)
        {
            // Whatever the JSON or a converter threw: reported, and the stream goes on, as with the client's watcher.
            onError(e);
            return null;
        }
    }

    private static (WatchEventType Type, T Object)? Object<T>(WatchEventType type, ref Utf8JsonReader reader, JsonSerializerOptions options, Action<Exception> onError)
        where T : class
    {
        if (type == WatchEventType.Error)
        {
            var status = JsonSerializer.Deserialize<V1Status>(ref reader, options) ?? new V1Status { Message = "an ERROR watch event without a Status" };
            onError(new KubernetesException(status));
            return null;
        }

        var obj = JsonSerializer.Deserialize<T>(ref reader, options) ?? throw new JsonException($"a {type} watch event without an object");
        return (type, obj);
    }

    private static WatchEventType EventType(ref Utf8JsonReader reader) =>
        reader.TokenType != JsonTokenType.String ? throw new JsonException("a watch event's type is not a string")
        : reader.ValueTextEquals("ADDED"u8) ? WatchEventType.Added
        : reader.ValueTextEquals("MODIFIED"u8) ? WatchEventType.Modified
        : reader.ValueTextEquals("DELETED"u8) ? WatchEventType.Deleted
        : reader.ValueTextEquals("BOOKMARK"u8) ? WatchEventType.Bookmark
        : reader.ValueTextEquals("ERROR"u8) ? WatchEventType.Error
        : throw new JsonException($"unknown watch event type '{reader.GetString()}'");
}
