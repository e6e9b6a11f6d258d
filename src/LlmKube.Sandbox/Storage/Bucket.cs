namespace LlmKube.Sandbox.Storage;

/// <summary>
/// The objects of one storage key (group/plural), sorted by namespace then name as etcd keys sort, with the
/// retained watch history and the open watches on them. Only used under the store's lock.
/// </summary>
internal sealed class Bucket
{
    private readonly int _historySize;
    private readonly SortedDictionary<string, SortedDictionary<string, StoredObject>> _items = new(StringComparer.Ordinal);
    private readonly Queue<WatchEvent> _history = new();

    public Bucket(string key, int historySize)
    {
        Key = key;
        _historySize = Math.Max(1, historySize);
    }

    public string Key { get; }

    public int Count { get; private set; }

    /// <summary>The newest revision no longer retained; resuming from an older one is answered 410 Expired.</summary>
    public long CompactedRevision { get; private set; }

    public List<WatchSubscriber> Subscribers { get; } = [];

    public IEnumerable<WatchEvent> History => _history;

    public StoredObject? Get(string ns, string name) =>
        _items.TryGetValue(ns, out var names) && names.TryGetValue(name, out var obj) ? obj : null;

    public void Put(StoredObject obj)
    {
        if (!_items.TryGetValue(obj.Namespace, out var names))
        {
            names = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _items[obj.Namespace] = names;
        }

        if (!names.ContainsKey(obj.Name))
        {
            Count++;
        }

        names[obj.Name] = obj;
    }

    public void Remove(string ns, string name)
    {
        if (_items.TryGetValue(ns, out var names) && names.Remove(name))
        {
            Count--;
            if (names.Count == 0)
            {
                _items.Remove(ns);
            }
        }
    }

    public int CountIn(string ns) => _items.TryGetValue(ns, out var names) ? names.Count : 0;

    /// <summary>Objects in key order, optionally in one namespace, strictly after a (namespace, name) position.</summary>
    public IEnumerable<StoredObject> Enumerate(string? ns, (string Namespace, string Name)? after = null)
    {
        if (ns is not null)
        {
            if (!_items.TryGetValue(ns, out var names))
            {
                yield break;
            }

            foreach (var (name, obj) in names)
            {
                if (after is { } a && string.CompareOrdinal(name, a.Name) <= 0)
                {
                    continue;
                }

                yield return obj;
            }

            yield break;
        }

        foreach (var (space, names) in _items)
        {
            if (after is { } a)
            {
                var cmp = string.CompareOrdinal(space, a.Namespace);
                if (cmp < 0)
                {
                    continue;
                }

                if (cmp == 0)
                {
                    foreach (var (name, obj) in names)
                    {
                        if (string.CompareOrdinal(name, a.Name) > 0)
                        {
                            yield return obj;
                        }
                    }

                    continue;
                }
            }

            foreach (var obj in names.Values)
            {
                yield return obj;
            }
        }
    }

    public void Record(WatchEvent change)
    {
        _history.Enqueue(change);
        while (_history.Count > _historySize)
        {
            CompactedRevision = _history.Dequeue().Revision;
        }

        var closed = false;
        foreach (var subscriber in Subscribers)
        {
            if (subscriber.Accepts(change.Object) || (change.Previous is not null && subscriber.Accepts(change.Previous)))
            {
                subscriber.Push(new WatchItem(change, 0));
            }

            closed |= subscriber.IsClosed;
        }

        if (closed)
        {
            Subscribers.RemoveAll(s => s.IsClosed);
        }
    }
}
