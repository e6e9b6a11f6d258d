using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The client's JSON (same options as <see cref="KubernetesJson"/>) without the detour through a string:
/// objects go straight to UTF-8 or to a <see cref="JsonNode"/>. Reconcilers compare and copy objects on every
/// pass; the string round trip cost the operator about a tenth of its CPU in the 1,000-service benchmark.
/// </summary>
public static class KubernetesJsonNodes
{
    /// <summary>The client's own options, read once through its public hook (they are not exposed otherwise).</summary>
    public static JsonSerializerOptions Options { get; } = CaptureOptions();

    /// <summary>
    /// <see cref="Options"/>, except that <c>metadata.managedFields</c> is skipped while reading (it reads as null) and
    /// written as it is. A real API server sends managedFields with every object, often as large as the rest of it, and
    /// a cache that drops them anyway need not build them first: with them, a Deployment's watch event took 2.6 times as
    /// long to decode (bench/operator/README.md, session 25). Built on first use, after the converters that
    /// <see cref="CachingJson.Install"/> adds, so its reads share the same pools.
    /// </summary>
    public static JsonSerializerOptions WithoutManagedFields => DroppingManagedFields.Value;

    private static readonly Lazy<JsonSerializerOptions> DroppingManagedFields = new(() =>
    {
        var options = new JsonSerializerOptions(Options);
        options.Converters.Insert(0, new SkippedManagedFields());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    });

    /// <summary>The object as a JSON tree, exactly as <see cref="KubernetesJson.Serialize"/> would write it.</summary>
    public static JsonNode? ToNode(object? value) =>
        value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), Options);

    /// <summary>The object as UTF-8 JSON, exactly as <see cref="KubernetesJson.Serialize"/> would write it.</summary>
    public static byte[] ToUtf8(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);
    }

    /// <summary>The object read from UTF-8 JSON with the client's options.</summary>
    public static T FromUtf8<T>(ReadOnlySpan<byte> json)
        where T : class =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidOperationException($"JSON null read as a {typeof(T).Name}");

    /// <summary>The object as a read-only JSON document (null as a JSON null), as <see cref="KubernetesJson.Serialize"/> would write it.</summary>
    public static JsonDocument ToDocument(object? value) =>
        JsonSerializer.SerializeToDocument(value, value?.GetType() ?? typeof(object), Options);

    /// <summary>An independent copy, through UTF-8 bytes with the client's options.</summary>
    public static T DeepCopy<T>(T value)
        where T : class => FromUtf8<T>(ToUtf8(value));

    /// <summary>Skips the list in a read; writes it with the client's own options.</summary>
    private sealed class SkippedManagedFields : JsonConverter<IList<V1ManagedFieldsEntry>>
    {
        public override bool HandleNull => false;

        public override IList<V1ManagedFieldsEntry>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            reader.Skip();
            return null;
        }

        public override void Write(Utf8JsonWriter writer, IList<V1ManagedFieldsEntry> value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, Options);
    }

    private static JsonSerializerOptions CaptureOptions()
    {
        JsonSerializerOptions? captured = null;
        KubernetesJson.AddJsonOptions(options => captured = options);
        return captured ?? throw new InvalidOperationException("KubernetesJson.AddJsonOptions did not hand out its options");
    }
}
