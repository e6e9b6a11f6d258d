using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The client's <see cref="ResourceQuantity"/> parses its text into an exact fraction and, each time it is written,
/// finds its canonical form with big-integer powers: about 3 % of the operator's CPU in the 1,000-service benchmark
/// (bench/operator/README.md), for the handful of distinct quantities a cluster uses (<c>64Mi</c>, <c>1</c>,
/// <c>10Gi</c>). This pool reads each distinct text once and writes each distinct quantity's canonical text once.
/// A quantity is immutable (a record whose state is set only by its constructors), so one instance can be shared by
/// every object that decodes the same text. Bounded: past <see cref="Capacity"/> entries a value is converted as the
/// client would, without being kept.
/// </summary>
public sealed class QuantityPool
{
    /// <summary>Longer texts are not kept: real quantities are a few characters.</summary>
    public const int MaxLength = 64;

    private readonly ConcurrentDictionary<string, ResourceQuantity> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResourceQuantity>.AlternateLookup<ReadOnlySpan<char>> _parsedBySpan;
    private readonly ConcurrentDictionary<ResourceQuantity, string> _canonical = new();
    private readonly BoundedCount _parsedCount;
    private readonly BoundedCount _canonicalCount;

    public QuantityPool(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        (_parsedCount, _canonicalCount) = (new BoundedCount(capacity), new BoundedCount(capacity));
        _parsedBySpan = _parsed.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The most texts, and separately the most quantities, kept.</summary>
    public int Capacity { get; }

    /// <summary>Texts kept.</summary>
    public int ParsedCount => _parsedCount.Count;

    /// <summary>Canonical forms kept.</summary>
    public int CanonicalCount => _canonicalCount.Count;

    /// <summary>Makes the client's JSON options (<see cref="KubernetesJson"/>) read and write quantities through <paramref name="pool"/>; false when they are already in use or pooled.</summary>
    public static bool TryInstall(QuantityPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return ClientJsonConverters.TryInstall(new PooledQuantityConverter(pool));
    }

    /// <summary>Makes <paramref name="options"/> read and write quantities through this pool; false when they are read-only or already pool.</summary>
    public bool TryAddTo(JsonSerializerOptions options) => ClientJsonConverters.TryAdd(options, new PooledQuantityConverter(this));

    /// <summary>The quantity <paramref name="text"/> denotes (the instance shared with every other read of the same text); throws as the client's parser does.</summary>
    public ResourceQuantity Parse(ReadOnlySpan<char> text)
    {
        if (text.Length <= MaxLength && _parsedBySpan.TryGetValue(text, out var shared))
        {
            return shared;
        }

        var key = new string(text);
        var parsed = new ResourceQuantity(key);
        return text.Length <= MaxLength ? _parsedCount.GetOrAdd(_parsed, key, parsed) : parsed;
    }

    /// <summary>Exactly <c>quantity.ToString()</c>, computed once per distinct quantity.</summary>
    public string Canonical(ResourceQuantity quantity)
    {
        ArgumentNullException.ThrowIfNull(quantity);
        if (_canonical.TryGetValue(quantity, out var text))
        {
            return text;
        }

        text = quantity.ToString();
        return _canonicalCount.GetOrAdd(_canonical, quantity, text);
    }

    /// <summary>The client's own conversion (its converter is internal), with strings and canonical forms through the pool.</summary>
    private sealed class PooledQuantityConverter(QuantityPool pool) : JsonConverter<ResourceQuantity>
    {
        public override ResourceQuantity? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number:
                    // Rare (the API server writes quantities as strings): converted exactly as the client does.
                    return reader.TryGetDouble(out var number) ? new ResourceQuantity(Convert.ToString(number)) : (ResourceQuantity)reader.GetDecimal();
                case JsonTokenType.String:
                    var bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                    if (bytes > MaxLength * 3)
                    {
                        return new ResourceQuantity(reader.GetString());
                    }

                    Span<char> buffer = stackalloc char[(int)bytes];
                    return pool.Parse(buffer[..reader.CopyString(buffer)]);
                default:
                    return new ResourceQuantity(reader.GetString()); // throws as the client's converter does
            }
        }

        public override void Write(Utf8JsonWriter writer, ResourceQuantity value, JsonSerializerOptions options) =>
            writer.WriteStringValue(pool.Canonical(value));
    }
}
