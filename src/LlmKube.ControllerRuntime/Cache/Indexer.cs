using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Computes the index values of an object (e.g. its controller owner's UID).</summary>
public delegate IEnumerable<string> IndexFunc<in T>(T obj);

/// <summary>Read access to a cache of objects (what reconcilers see).</summary>
public interface IReadOnlyIndexer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Number of cached objects.</summary>
    int Count { get; }

    /// <summary>The cached object for <paramref name="key"/>, or null.</summary>
    T? Get(ObjectKey key);

    /// <summary>All cached objects, in no particular order.</summary>
    IReadOnlyList<T> List();

    /// <summary>All cached objects of one namespace.</summary>
    IReadOnlyList<T> List(string @namespace);

    /// <summary>All cached keys.</summary>
    IReadOnlyList<ObjectKey> Keys();

    /// <summary>Objects whose index <paramref name="indexName"/> contains <paramref name="value"/>.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);

    /// <summary>Keys of the objects whose index <paramref name="indexName"/> contains <paramref name="value"/>.</summary>
    IReadOnlyList<ObjectKey> KeysByIndex(string indexName, string value);
}

/// <summary>
/// A thread-safe store of objects keyed by <c>namespace/name</c> with secondary indexes computed by functions
/// (client-go's <c>cache.Indexer</c>). Lookups return the stored instances: callers must treat them as
/// immutable and use <see cref="ObjectCopy.DeepCopy{T}"/> before changing anything.
/// </summary>
public sealed class Indexer<T> : IReadOnlyIndexer<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<ObjectKey, T> _items = new();
    private readonly Dictionary<string, IndexFunc<T>> _indexFuncs = new(StringComparer.Ordinal);
    // Per index, per value: the one key (boxed ObjectKey), or a HashSet<ObjectKey> of two or more. Most values name
    // one object (a service's model, its children's names); a set for each cost about 200 bytes against 32.
    private readonly Dictionary<string, Dictionary<string, object>> _indexes = new(StringComparer.Ordinal);

    /// <summary>Built-in index: the namespace of each object.</summary>
    public const string NamespaceIndex = "namespace";

    /// <summary>Creates an empty cache with the namespace index.</summary>
    public Indexer()
    {
        AddIndex(NamespaceIndex, static o => [o.Metadata?.NamespaceProperty ?? string.Empty]);
    }

    /// <inheritdoc/>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _items.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds an index; existing objects are indexed at once. Adding a name twice is an error.</summary>
    public void AddIndex(string name, IndexFunc<T> func)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(func);
        _lock.EnterWriteLock();
        try
        {
            if (!_indexFuncs.TryAdd(name, func))
            {
                throw new InvalidOperationException($"index '{name}' already exists");
            }

            var index = new Dictionary<string, object>(StringComparer.Ordinal);
            _indexes[name] = index;
            foreach (var (key, obj) in _items)
            {
                foreach (var value in Values(func, obj))
                {
                    AddTo(index, value, key);
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Whether an index of that name exists.</summary>
    public bool HasIndex(string name)
    {
        _lock.EnterReadLock();
        try
        {
            return _indexFuncs.ContainsKey(name);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Stores <paramref name="obj"/> (add or replace) and returns the object it replaced, if any.</summary>
    public T? Upsert(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var key = ObjectKey.Of(obj);
        _lock.EnterWriteLock();
        try
        {
            _items.TryGetValue(key, out var old);
            _items[key] = obj;
            Reindex(key, old, obj);
            return old;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the object with <paramref name="key"/> and returns it, if it was there.</summary>
    public T? Remove(ObjectKey key)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <inheritdoc/>
    public T? Get(ObjectKey key)
    {
        _lock.EnterReadLock();
        try
        {
            return _items.GetValueOrDefault(key);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<T> List()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _items.Values];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<T> List(string @namespace) => ByIndex(NamespaceIndex, @namespace ?? string.Empty);

    /// <inheritdoc/>
    public IReadOnlyList<ObjectKey> Keys()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _items.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        _lock.EnterReadLock();
        try
        {
            switch (Lookup(indexName, value))
            {
                case ObjectKey key:
                    return [_items[key]];
                case HashSet<ObjectKey> set:
                    var result = new List<T>(set.Count);
                    foreach (var key in set)
                    {
                        result.Add(_items[key]);
                    }

                    return result;
                default:
                    return [];
            }
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ObjectKey> KeysByIndex(string indexName, string value)
    {
        _lock.EnterReadLock();
        try
        {
            return Lookup(indexName, value) switch
            {
                ObjectKey key => [key],
                HashSet<ObjectKey> set => [.. set],
                _ => [],
            };
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private object? Lookup(string indexName, string value)
    {
        if (!_indexes.TryGetValue(indexName, out var index))
        {
            throw new KeyNotFoundException($"no index named '{indexName}'");
        }

        return index.GetValueOrDefault(value);
    }

    /// <summary>
    /// Moves <paramref name="key"/> from <paramref name="old"/>'s index values to <paramref name="obj"/>'s. Most
    /// replacements (a status change, the echo of one's own write) keep every value, and then nothing is touched:
    /// removing and re-adding would look up each value twice and, for a value two objects share, drop its set and
    /// build a new one.
    /// </summary>
    private void Reindex(ObjectKey key, T? old, T obj)
    {
        foreach (var (name, func) in _indexFuncs)
        {
            var index = _indexes[name];
            var after = Values(func, obj);
            if (old is not null)
            {
                var before = Values(func, old);
                if (Same(before, after))
                {
                    continue;
                }

                foreach (var value in before)
                {
                    RemoveFrom(index, value, key);
                }
            }

            foreach (var value in after)
            {
                AddTo(index, value, key);
            }
        }
    }

    private static bool Same(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        if (before.Count != after.Count)
        {
            return false;
        }

        for (var i = 0; i < before.Count; i++)
        {
            if (!string.Equals(before[i], after[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static IReadOnlyList<string> Values(IndexFunc<T> func, T obj) =>
        func(obj) switch
        {
            null => [],
            IReadOnlyList<string> list => list,
            var values => [.. values],
        };

    private void Unindex(ObjectKey key, T obj)
    {
        foreach (var (name, func) in _indexFuncs)
        {
            var index = _indexes[name];
            foreach (var value in Values(func, obj))
            {
                RemoveFrom(index, value, key);
            }
        }
    }

    private static void AddTo(Dictionary<string, object> index, string value, ObjectKey key)
    {
        switch (index.GetValueOrDefault(value))
        {
            case null:
                index[value] = key;
                break;
            case ObjectKey one when one != key:
                index[value] = new HashSet<ObjectKey> { one, key };
                break;
            case HashSet<ObjectKey> set:
                set.Add(key);
                break;
            default:
                break;
        }
    }

    private static void RemoveFrom(Dictionary<string, object> index, string value, ObjectKey key)
    {
        switch (index.GetValueOrDefault(value))
        {
            case ObjectKey one when one == key:
                index.Remove(value);
                break;
            case HashSet<ObjectKey> set when set.Remove(key) && set.Count == 1:
                index[value] = set.First();
                break;
            default:
                break;
        }
    }
}
