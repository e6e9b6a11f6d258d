using System.Collections;
using System.Diagnostics.CodeAnalysis;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Replaces the small string maps of a freshly decoded object (labels, annotations, selectors) with
/// <see cref="ReadOnlyStringMap"/>s before the object enters a cache. A decoded four-label map is a
/// <see cref="Dictionary{TKey, TValue}"/> of about 320 bytes (the object, seven entries, seven buckets); the same map
/// as one array of keys and values is about 100. Every operator-built Deployment and Service carries five of them
/// (labels, the pod template's labels, two selectors), so at 5,000 services this is about 5 MB of the caches. A
/// Deployment's pod template usually has the Deployment's own labels (the same entries in the same order, so either
/// writes the other's JSON): then both share one instance. Larger maps stay as decoded: a linear search is only
/// cheap while short.
/// </summary>
public static class CompactMaps
{
    /// <summary>Maps with more entries than this are left as dictionaries.</summary>
    public const int MaxEntries = 16;

    /// <summary>Compacts the maps of <paramref name="obj"/> (not yet seen by anyone else) in place.</summary>
    public static T Compact<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        Compact(obj.Metadata);
        switch (obj)
        {
            case V1Deployment { Spec: { } spec }:
                if (spec.Selector is { } selector)
                {
                    selector.MatchLabels = Compact(selector.MatchLabels);
                }

                if (spec.Template?.Metadata is { } template)
                {
                    template.Labels = template.Labels is Dictionary<string, string> decoded
                        && obj.Metadata?.Labels is ReadOnlyStringMap labels && labels.SameEntriesInOrder(decoded)
                        ? labels
                        : Compact(template.Labels);
                    template.Annotations = Compact(template.Annotations);
                }

                break;
            case V1Service { Spec: { } serviceSpec }:
                serviceSpec.Selector = Compact(serviceSpec.Selector);
                break;
            default:
                break;
        }

        return obj;
    }

    /// <summary>A read-only copy of <paramref name="map"/> when it is small enough; otherwise the map itself.</summary>
    public static IDictionary<string, string>? Compact(IDictionary<string, string>? map) =>
        map is null or ReadOnlyStringMap || map.Count > MaxEntries ? map : new ReadOnlyStringMap(map);

    private static void Compact(V1ObjectMeta? meta)
    {
        if (meta is not null)
        {
            meta.Labels = Compact(meta.Labels);
            meta.Annotations = Compact(meta.Annotations);
        }
    }
}

/// <summary>
/// A small, read-only string map: keys and values in one array, found by an ordinal linear search. Cached objects are
/// never changed (<see cref="Indexer{T}"/>), so a write is a bug and throws rather than altering what every reader sees.
/// </summary>
public sealed class ReadOnlyStringMap : IDictionary<string, string>, IReadOnlyDictionary<string, string>
{
    private const string ReadOnly = "a cached object's map is read-only: change a copy (ObjectCopy.DeepCopy)";

    // key 0, value 0, key 1, value 1, ...
    private readonly string[] _pairs;

    /// <summary>A read-only copy of <paramref name="map"/> (a dictionary, so its keys are distinct).</summary>
    public ReadOnlyStringMap(IDictionary<string, string> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        _pairs = new string[map.Count * 2];
        var i = 0;
        if (map is Dictionary<string, string> decoded)
        {
            // what the client decodes: its struct enumerator, no boxing
            foreach (var (key, value) in decoded)
            {
                _pairs[i++] = key;
                _pairs[i++] = value;
            }

            return;
        }

        foreach (var (key, value) in map)
        {
            _pairs[i++] = key;
            _pairs[i++] = value;
        }
    }

    public int Count => _pairs.Length / 2;

    public bool IsReadOnly => true;

    public ICollection<string> Keys => Every(0);

    public ICollection<string> Values => Every(1);

    IEnumerable<string> IReadOnlyDictionary<string, string>.Keys => Keys;

    IEnumerable<string> IReadOnlyDictionary<string, string>.Values => Values;

    public string this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"no key '{key}'");
        set => throw new NotSupportedException(ReadOnly);
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? _pairs[i + 1] : null;
        return i >= 0;
    }

    public bool Contains(KeyValuePair<string, string> item) =>
        TryGetValue(item.Key, out var value) && string.Equals(value, item.Value, StringComparison.Ordinal);

    public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < Count)
        {
            throw new ArgumentException("the array is too short", nameof(array));
        }

        for (var i = 0; i < _pairs.Length; i += 2)
        {
            array[arrayIndex++] = new(_pairs[i], _pairs[i + 1]);
        }
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _pairs.Length; i += 2)
        {
            yield return new(_pairs[i], _pairs[i + 1]);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Add(string key, string value) => throw new NotSupportedException(ReadOnly);

    public void Add(KeyValuePair<string, string> item) => throw new NotSupportedException(ReadOnly);

    public bool Remove(string key) => throw new NotSupportedException(ReadOnly);

    public bool Remove(KeyValuePair<string, string> item) => throw new NotSupportedException(ReadOnly);

    public void Clear() => throw new NotSupportedException(ReadOnly);

    /// <summary>
    /// The same entries in the same order as <paramref name="map"/>, so either writes the other's JSON. (Not
    /// SequenceEqual: KeyValuePair has no Equals of its own, so the default comparer boxes and reflects.)
    /// </summary>
    internal bool SameEntriesInOrder(Dictionary<string, string> map)
    {
        if (map.Count != Count)
        {
            return false;
        }

        var i = 0;
        foreach (var (key, value) in map)
        {
            if (!string.Equals(_pairs[i], key, StringComparison.Ordinal) || !string.Equals(_pairs[i + 1], value, StringComparison.Ordinal))
            {
                return false;
            }

            i += 2;
        }

        return true;
    }

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        for (var i = 0; i < _pairs.Length; i += 2)
        {
            if (string.Equals(_pairs[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private string[] Every(int offset)
    {
        var items = new string[Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = _pairs[(2 * i) + offset];
        }

        return items;
    }
}
