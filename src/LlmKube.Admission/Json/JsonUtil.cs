using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmKube.Admission.Json;

/// <summary>Small helpers over <see cref="JsonNode"/>: admission works on JSON trees, as the API server does.</summary>
public static class JsonUtil
{
    public static readonly JsonSerializerOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    public static JsonNode? Parse(ReadOnlySpan<byte> utf8) => JsonNode.Parse(utf8, documentOptions: DocumentOptions);

    public static JsonNode? Parse(string text) => JsonNode.Parse(text, documentOptions: DocumentOptions);

    public static byte[] ToBytes(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer, Options);
        }

        return buffer.ToArray();
    }

    public static string ToText(JsonNode? node) => node is null ? "null" : node.ToJsonString(Options);

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8) =>
        Parse(utf8) as JsonObject ?? throw new JsonException("expected a JSON object");

    /// <summary>Walks a tree once so lazily materialised nodes are built; afterwards concurrent reads are safe.</summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var segment in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? String(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static long? Long(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue value && TryInteger(value, out var l) ? l : null;

    /// <summary>True for JSON numbers without a fractional part (3 and 3.0, as Kubernetes counts them).</summary>
    public static bool TryInteger(JsonValue value, out long result)
    {
        result = 0;
        if (value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetValue(out result))
        {
            return true;
        }

        if (value.TryGetValue<int>(out var i))
        {
            result = i;
            return true;
        }

        if (value.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out result))
        {
            return true;
        }

        if (TryDouble(value, out var d) && Math.Floor(d) == d && d is >= long.MinValue and <= long.MaxValue)
        {
            result = (long)d;
            return true;
        }

        return false;
    }

    public static bool TryDouble(JsonValue value, out double result)
    {
        result = 0;
        if (value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        if (value.TryGetValue(out result))
        {
            return true;
        }

        if (value.TryGetValue<long>(out var l))
        {
            result = l;
            return true;
        }

        if (value.TryGetValue<int>(out var i))
        {
            result = i;
            return true;
        }

        if (value.TryGetValue<decimal>(out var m))
        {
            result = (double)m;
            return true;
        }

        if (value.TryGetValue<JsonElement>(out var e))
        {
            result = e.GetDouble();
            return true;
        }

        return false;
    }

    public static bool? Bool(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? value.GetValue<bool>()
            : null;

    public static JsonObject? Object(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonObject;

    public static JsonArray? Array(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonArray;

    public static JsonObject EnsureObject(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node)
    {
        if (node is not JsonObject obj || obj.Count == 0)
        {
            return EmptyMap;
        }

        var map = new Dictionary<string, string>(obj.Count, StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            map[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ToText(value);
        }

        return map;
    }

    public static IReadOnlyList<string> StringList(JsonNode? node)
    {
        if (node is not JsonArray array || array.Count == 0)
        {
            return [];
        }

        var list = new List<string>(array.Count);
        foreach (var item in array)
        {
            if (item is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                list.Add(v.GetValue<string>());
            }
        }

        return list;
    }

    public static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    public static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() ?? JsonValueKind.Null;

    /// <summary>A value as Go's fmt would show it in a field error: strings quoted, numbers bare.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Quote(v.GetValue<string>()),
        JsonValue v => v.ToJsonString(Options),
        _ => node.ToJsonString(Options),
    };

    public static string Quote(string text) => JsonSerializer.Serialize(text, Options);

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string MicroTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTimestamp(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    public static JsonArray ToArray(IEnumerable<string> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            array.Add(item);
        }

        return array;
    }

    /// <summary>A copy of <paramref name="obj"/> without the named top-level properties.</summary>
    public static JsonObject Without(JsonObject obj, params ReadOnlySpan<string> names)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            var skip = false;
            foreach (var name in names)
            {
                if (name == key)
                {
                    skip = true;
                    break;
                }
            }

            if (!skip)
            {
                copy[key] = value?.DeepClone();
            }
        }

        return copy;
    }
}
