using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// One shared instance per distinct short string decoded from the API server. Cached objects repeat the same strings
/// thousands of times (namespaces, label keys and values, names shared by a service's Model, Deployment and
/// Service, images, container and volume names, condition types and reasons); decoded separately, each copy costs
/// its own allocation. Bounded: at most <see cref="Capacity"/> strings of at most <see cref="MaxLength"/> characters
/// are kept, and values that are unique by construction (uids, resourceVersions) are never added.
/// </summary>
public sealed class StringPool
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly BoundedCount _count;

    public StringPool(int capacity = 1 << 16, int maxLength = 256)
    {
        Capacity = capacity;
        MaxLength = maxLength;
        _count = new BoundedCount(capacity);
        _bySpan = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Capacity { get; }

    public int MaxLength { get; }

    public int Count => _count.Count;

    /// <summary>The pooled instance equal to <paramref name="value"/>, or a new string when it is not worth pooling.</summary>
    public string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        if (value.Length > MaxLength || IsUniqueByConstruction(value))
        {
            return new string(value);
        }

        if (_bySpan.TryGetValue(value, out var pooled))
        {
            return pooled;
        }

        var created = new string(value);
        return _count.GetOrAdd(_strings, created, created);
    }

    /// <summary>
    /// Adds a converter to the client's JSON options (<see cref="KubernetesJson"/>) so that every object the client
    /// decodes shares its strings through <paramref name="pool"/>. The options are the client's process-wide ones and
    /// become read-only once used: false (and nothing changed) when they already were, or already pool.
    /// </summary>
    public static bool TryInstall(StringPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return ClientJsonConverters.TryInstall(new PooledStringConverter(pool));
    }

    /// <summary>Makes <paramref name="options"/> read strings through this pool; false when they are read-only or already pool.</summary>
    public bool TryAddTo(JsonSerializerOptions options) => ClientJsonConverters.TryAdd(options, new PooledStringConverter(this));

    /// <summary>A resourceVersion (digits) or a uid (8-4-4-4-12 hex): never seen twice, not worth a pool slot.</summary>
    private static bool IsUniqueByConstruction(ReadOnlySpan<char> value) =>
        !value.ContainsAnyExceptInRange('0', '9')
        || (value.Length == 36 && value[8] == '-' && value[13] == '-' && value[18] == '-' && value[23] == '-');

    /// <summary>Reads strings (values and property names of dictionaries) through the pool; writes them unchanged.</summary>
    private sealed class PooledStringConverter(StringPool pool) : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String ? Decode(ref reader) : reader.GetString();

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Decode(ref reader);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private string Decode(ref Utf8JsonReader reader)
        {
            // UTF-8 never has fewer bytes than the UTF-16 characters it decodes to, so the byte length bounds the copy.
            var bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (bytes > pool.MaxLength * 3)
            {
                return reader.GetString()!;
            }

            // Sized by the value, not the bound: the runtime zeroes what is stack-allocated, and most values are short.
            Span<char> buffer = stackalloc char[(int)bytes];
            return pool.Get(buffer[..reader.CopyString(buffer)]);
        }
    }
}
