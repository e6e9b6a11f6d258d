using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox.Storage;

/// <summary>A page of a list: the items, the revision the list was taken at, and where the next page starts.</summary>
internal sealed record ListPage(IReadOnlyList<StoredObject> Items, long Revision, (string Namespace, string Name)? Next, long Remaining);

/// <summary>
/// The storage: every object of every kind under one lock, one global resourceVersion counter, a watch
/// history per storage key and the indexes the garbage collector needs (by uid, by owner uid). Writes are
/// compare-and-swap against the version the caller read (<see cref="Replace"/> returns null when it lost
/// a race), which is how the API server's GuaranteedUpdate works.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Key, StoredObject Obj)> _byUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);
    private readonly List<ChannelWriter<WatchEvent>> _listeners = [];
    private readonly int _historySize;
    private readonly int _maxBacklog;
    private long _revision;

    public ObjectStore(int historySize, int maxWatchBacklog = 200_000)
    {
        _historySize = historySize;
        _maxBacklog = maxWatchBacklog;
    }

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Internal consumers (garbage collector, simulations) receive every change, in order.</summary>
    public void AddListener(ChannelWriter<WatchEvent> listener)
    {
        lock (_gate)
        {
            _listeners.Add(listener);
        }
    }

    public StoredObject? Get(string key, string ns, string name)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(key, out var bucket) ? bucket.Get(ns, name) : null;
        }
    }

    public (string Key, StoredObject Obj)? GetByUid(string uid)
    {
        lock (_gate)
        {
            return _byUid.TryGetValue(uid, out var found) ? found : null;
        }
    }

    public IReadOnlyList<(string Key, StoredObject Obj)> Dependents(string ownerUid)
    {
        lock (_gate)
        {
            if (!_dependents.TryGetValue(ownerUid, out var uids))
            {
                return [];
            }

            var result = new List<(string, StoredObject)>(uids.Count);
            foreach (var uid in uids)
            {
                if (_byUid.TryGetValue(uid, out var found))
                {
                    result.Add(found);
                }
            }

            return result;
        }
    }

    public int Count(string key)
    {
        lock (_gate)
        {
            return _buckets.TryGetValue(key, out var bucket) ? bucket.Count : 0;
        }
    }

    /// <summary>Every namespaced object in <paramref name="ns"/>, with its storage key.</summary>
    public IReadOnlyList<(string Key, StoredObject Obj)> InNamespace(string ns)
    {
        lock (_gate)
        {
            var result = new List<(string, StoredObject)>();
            foreach (var bucket in _buckets.Values)
            {
                foreach (var obj in bucket.Enumerate(ns))
                {
                    result.Add((bucket.Key, obj));
                }
            }

            return result;
        }
    }

    public int CountInNamespace(string ns)
    {
        lock (_gate)
        {
            return _buckets.Values.Sum(b => b.CountIn(ns));
        }
    }

    public ListPage List(string key, string? ns, Func<StoredObject, bool>? filter, long limit, (string, string)? after)
    {
        lock (_gate)
        {
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                return new ListPage([], _revision, null, 0);
            }

            var items = new List<StoredObject>();
            (string, string)? next = null;
            long remaining = 0;
            foreach (var obj in bucket.Enumerate(ns, after))
            {
                if (filter is not null && !filter(obj))
                {
                    continue;
                }

                if (limit > 0 && items.Count >= limit)
                {
                    remaining++;
                    continue;
                }

                items.Add(obj);
            }

            if (remaining > 0)
            {
                var last = items[^1];
                next = (last.Namespace, last.Name);
            }

            return new ListPage(items, _revision, next, remaining);
        }
    }

    /// <summary>Stores a new object; stamps its resourceVersion.</summary>
    public StoredObject Create(ResourceType type, JsonObject obj)
    {
        lock (_gate)
        {
            var bucket = BucketFor(type.StorageKey);
            var meta = JsonUtil.Metadata(obj);
            var ns = JsonUtil.String(meta, "namespace") ?? string.Empty;
            var name = JsonUtil.String(meta, "name") ?? string.Empty;
            if (bucket.Get(ns, name) is not null)
            {
                throw ApiException.AlreadyExists(type.Group, type.Plural, name);
            }

            var stored = Stamp(obj);
            bucket.Put(stored);
            Index(bucket.Key, null, stored);
            Publish(bucket, new WatchEvent(stored.ResourceVersion, bucket.Key, WatchEventType.Added, stored, null));
            return stored;
        }
    }

    /// <summary>Replaces <paramref name="expected"/> with <paramref name="obj"/>; null when the object changed meanwhile.</summary>
    public StoredObject? Replace(ResourceType type, StoredObject expected, JsonObject obj)
    {
        lock (_gate)
        {
            var bucket = BucketFor(type.StorageKey);
            var current = bucket.Get(expected.Namespace, expected.Name)
                ?? throw ApiException.NotFound(type.Group, type.Plural, expected.Name);
            if (!ReferenceEquals(current, expected))
            {
                return null;
            }

            var stored = Stamp(obj);
            bucket.Put(stored);
            Index(bucket.Key, current, stored);
            Publish(bucket, new WatchEvent(stored.ResourceVersion, bucket.Key, WatchEventType.Modified, stored, current));
            return stored;
        }
    }

    /// <summary>Removes <paramref name="expected"/>; the DELETED event carries <paramref name="final"/> (or the last state) at a new revision.</summary>
    public StoredObject? Remove(ResourceType type, StoredObject expected, JsonObject? final = null)
    {
        lock (_gate)
        {
            var bucket = BucketFor(type.StorageKey);
            var current = bucket.Get(expected.Namespace, expected.Name)
                ?? throw ApiException.NotFound(type.Group, type.Plural, expected.Name);
            if (!ReferenceEquals(current, expected))
            {
                return null;
            }

            var gone = Stamp(final ?? current.Clone());
            bucket.Remove(current.Namespace, current.Name);
            Index(bucket.Key, current, null);
            Publish(bucket, new WatchEvent(gone.ResourceVersion, bucket.Key, WatchEventType.Deleted, gone, current));
            return gone;
        }
    }

    /// <summary>Opens a watch. Without <paramref name="fromRevision"/> every current object arrives as ADDED first.</summary>
    public WatchSubscriber Watch(string key, string? ns, long? fromRevision, bool bookmarks)
    {
        lock (_gate)
        {
            var bucket = BucketFor(key);
            var subscriber = new WatchSubscriber(key, ns, bookmarks, _maxBacklog);
            if (fromRevision is null)
            {
                foreach (var obj in bucket.Enumerate(ns))
                {
                    subscriber.Push(new WatchItem(new WatchEvent(obj.ResourceVersion, key, WatchEventType.Added, obj, null), 0), force: true);
                }
            }
            else
            {
                if (fromRevision.Value < bucket.CompactedRevision)
                {
                    throw ApiException.Expired(string.Create(
                        CultureInfo.InvariantCulture,
                        $"too old resource version: {fromRevision.Value} ({_revision})"));
                }

                foreach (var change in bucket.History)
                {
                    if (change.Revision > fromRevision.Value &&
                        (subscriber.Accepts(change.Object) || (change.Previous is not null && subscriber.Accepts(change.Previous))))
                    {
                        subscriber.Push(new WatchItem(change, 0), force: true);
                    }
                }
            }

            if (bookmarks)
            {
                subscriber.Push(new WatchItem(null, _revision), force: true);
            }

            bucket.Subscribers.Add(subscriber);
            return subscriber;
        }
    }

    public void Unwatch(WatchSubscriber subscriber)
    {
        lock (_gate)
        {
            subscriber.Close();
            if (_buckets.TryGetValue(subscriber.StorageKey, out var bucket))
            {
                bucket.Subscribers.Remove(subscriber);
            }
        }
    }

    /// <summary>Sends a bookmark at the current revision to every watch that asked for bookmarks.</summary>
    public void Bookmark()
    {
        lock (_gate)
        {
            foreach (var bucket in _buckets.Values)
            {
                foreach (var subscriber in bucket.Subscribers)
                {
                    if (subscriber.Bookmarks)
                    {
                        subscriber.Push(new WatchItem(null, _revision));
                    }
                }
            }
        }
    }

    /// <summary>Closes every open watch stream; returns how many were open.</summary>
    public int DropWatches()
    {
        lock (_gate)
        {
            var count = 0;
            foreach (var bucket in _buckets.Values)
            {
                foreach (var subscriber in bucket.Subscribers)
                {
                    subscriber.Close();
                    count++;
                }

                bucket.Subscribers.Clear();
            }

            return count;
        }
    }

    public int OpenWatches()
    {
        lock (_gate)
        {
            return _buckets.Values.Sum(b => b.Subscribers.Count);
        }
    }

    private Bucket BucketFor(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = new Bucket(key, _historySize);
            _buckets[key] = bucket;
        }

        return bucket;
    }

    private StoredObject Stamp(JsonObject obj)
    {
        _revision++;
        JsonUtil.Metadata(obj)["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture);
        return new StoredObject(obj);
    }

    private void Index(string key, StoredObject? before, StoredObject? after)
    {
        if (before is not null)
        {
            _byUid.Remove(before.Uid);
            foreach (var owner in before.Owners)
            {
                if (_dependents.TryGetValue(owner.Uid, out var set))
                {
                    set.Remove(before.Uid);
                    if (set.Count == 0)
                    {
                        _dependents.Remove(owner.Uid);
                    }
                }
            }
        }

        if (after is not null)
        {
            _byUid[after.Uid] = (key, after);
            foreach (var owner in after.Owners)
            {
                if (!_dependents.TryGetValue(owner.Uid, out var set))
                {
                    set = new HashSet<string>(StringComparer.Ordinal);
                    _dependents[owner.Uid] = set;
                }

                set.Add(after.Uid);
            }
        }
    }

    private void Publish(Bucket bucket, WatchEvent change)
    {
        bucket.Record(change);
        foreach (var listener in _listeners)
        {
            listener.TryWrite(change);
        }
    }
}
