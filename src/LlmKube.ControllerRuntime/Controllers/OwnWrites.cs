using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The versions of owned children a reconciler has just written, so that the informer event which only reports such a
/// write back (the same object at the same resourceVersion) does not wake the owner for a pass that could learn nothing:
/// the writer already held that very object. Pass it to <see cref="Controller.Owns{T}"/> and call <see cref="Wrote"/>
/// with what the API server returned.
/// </summary>
/// <remarks>
/// Only an exact echo is dropped, once. Any other version, a delete, a resync, or an echo that arrived before the write
/// was recorded wakes the owner as before: at worst one pass too many, never one too few. An entry whose echo never
/// comes (a re-list that skipped that version) is replaced by the next write of that child or dropped when it is deleted,
/// so there is at most one entry per live child.
/// </remarks>
public sealed class OwnWrites<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ObjectKey, string> _written = new();
    private readonly IReadOnlyIndexer<T> _cache;

    /// <summary>Tracks writes of objects that <paramref name="cache"/> (the owning controller's informer) holds.</summary>
    public OwnWrites(IReadOnlyIndexer<T> cache) => _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    /// <summary>Writes recorded whose echo has not arrived yet.</summary>
    public int Pending => _written.Count;

    /// <summary>
    /// Records a create or update the API server accepted: <paramref name="written"/> as it was returned. False when its
    /// echo had already reached the cache before this call, so it wakes the owner once more as usual.
    /// </summary>
    public bool Wrote(T written)
    {
        ArgumentNullException.ThrowIfNull(written);
        var rv = written.Metadata?.ResourceVersion;
        if (string.IsNullOrEmpty(rv))
        {
            return false;
        }

        var key = ObjectKey.Of(written);
        _written[key] = rv;

        // The watch can beat the write's response. The informer updates its cache and then dispatches, under one lock, so
        // a cache that already holds this version means the echo went by or is being dispatched: take the entry back (it
        // would linger) unless the dispatch already consumed it.
        return _cache.Get(key)?.Metadata?.ResourceVersion != rv || !_written.TryRemove(new KeyValuePair<ObjectKey, string>(key, rv));
    }

    /// <summary>True, once, when <paramref name="e"/> reports back exactly a version recorded by <see cref="Wrote"/>.</summary>
    public bool IsEcho(InformerEvent<T> e)
    {
        var key = ObjectKey.Of(e.Object);
        switch (e.Type)
        {
            case InformerEventType.Added or InformerEventType.Updated:
                return e.Object.Metadata?.ResourceVersion is { Length: > 0 } rv && _written.TryRemove(new KeyValuePair<ObjectKey, string>(key, rv));
            case InformerEventType.Deleted:
                _written.TryRemove(key, out _);
                return false;
            default:
                return false;
        }
    }
}
