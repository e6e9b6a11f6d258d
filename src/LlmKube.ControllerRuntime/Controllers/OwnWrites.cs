using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The writes of owned children a reconciler makes, so that the informer event which only reports such a write back
/// (the same object at the same resourceVersion) does not wake the owner for a pass that could learn nothing: the
/// writer already holds that very object. Pass it to <see cref="Controller.Owns{T}"/>, and wrap each create or update
/// of a child in <see cref="Begin"/>, telling the scope what the API server returned.
/// </summary>
/// <remarks>
/// The watch often beats the write's response. So while a write of a child is in flight, that child's added and
/// updated events are held instead of waking the owner; when the write ends, the held events are dropped if they all
/// report the version the server returned, and otherwise the latest of them wakes the owner then (also when the write
/// failed or wrote nothing). Only an exact echo is dropped, once: any other version, a delete, a resync, or an event
/// while no write is in flight wakes the owner as before. At worst one pass too many, never one too few. An echo still
/// to come is remembered until it arrives, the next write of that child, or the child's delete, so there is at most one
/// entry per live child.
/// </remarks>
public sealed class OwnWrites<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    // Both tables change only under _gate: an echo is matched or held against one consistent view of them.
    private readonly Dictionary<ObjectKey, string> _written = [];
    private readonly Dictionary<ObjectKey, InFlight> _inFlight = [];
    private readonly object _gate = new();
    private Action<InformerEvent<T>>? _wake;

    /// <summary>Writes recorded whose echo has not arrived yet.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _written.Count;
            }
        }
    }

    /// <summary>Writes in flight now.</summary>
    public int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>
    /// Starts a write of the child <paramref name="key"/>. Dispose the scope when the write is over, after
    /// <see cref="OwnWrite.Accepted"/> if the server accepted it. Without a controller attached (see
    /// <see cref="Controller.Owns{T}"/>) nothing is held, since nothing could wake the owner later.
    /// </summary>
    public OwnWrite Begin(ObjectKey key)
    {
        lock (_gate)
        {
            if (!_inFlight.TryGetValue(key, out var write))
            {
                _inFlight[key] = write = new InFlight();
            }

            write.Writers++;
        }

        return new OwnWrite(this, key);
    }

    /// <summary>True when <paramref name="e"/> must not wake the owner now: the echo of a recorded write, or held for a write in flight.</summary>
    public bool IsEcho(InformerEvent<T> e)
    {
        var key = ObjectKey.Of(e.Object);
        switch (e.Type)
        {
            case InformerEventType.Added or InformerEventType.Updated:
                var rv = e.Object.Metadata?.ResourceVersion ?? string.Empty;

                // One lock with End: an echo that comes while its write ends is either held or matched, never missed.
                lock (_gate)
                {
                    if (rv.Length > 0 && _written.TryGetValue(key, out var recorded) && recorded == rv && _written.Remove(key))
                    {
                        return true;
                    }

                    if (_wake is null || !_inFlight.TryGetValue(key, out var write))
                    {
                        return false;
                    }

                    write.Held = e;
                    (write.HeldVersions ??= []).Add(rv);
                    return true;
                }

            case InformerEventType.Deleted:
                lock (_gate)
                {
                    _written.Remove(key);
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// Called by the controller when it starts (see <see cref="Controller.Owns{T}"/>): how a held event wakes the owner
    /// after all. Disposing the result detaches it.
    /// </summary>
    internal IDisposable Attach(Action<InformerEvent<T>> wake)
    {
        ArgumentNullException.ThrowIfNull(wake);
        lock (_gate)
        {
            _wake = wake;
        }

        return new Detach(this, wake);
    }

    private void End(ObjectKey key, string? writtenVersion)
    {
        InformerEvent<T>? wake = null;
        Action<InformerEvent<T>>? waker;
        lock (_gate)
        {
            var write = _inFlight[key];
            if (--write.Writers == 0)
            {
                _inFlight.Remove(key);
            }

            var held = write.HeldVersions;
            if (!string.IsNullOrEmpty(writtenVersion) && held?.Contains(writtenVersion) != true)
            {
                // The echo is still to come.
                _written[key] = writtenVersion;
            }

            if (held is not null && held.Exists(v => v != writtenVersion))
            {
                wake = write.Held;
            }

            (write.Held, write.HeldVersions) = (null, null);
            waker = _wake;
        }

        if (wake is { } late)
        {
            waker?.Invoke(late);
        }
    }

    /// <summary>One write of one child: <see cref="Accepted"/> with what the server returned, then dispose.</summary>
    public sealed class OwnWrite : IDisposable
    {
        private readonly OwnWrites<T> _writes;
        private readonly ObjectKey _key;
        private string? _version;
        private int _ended;

        internal OwnWrite(OwnWrites<T> writes, ObjectKey key) => (_writes, _key) = (writes, key);

        /// <summary>The server accepted the write and answered with <paramref name="written"/>.</summary>
        public void Accepted(T written)
        {
            ArgumentNullException.ThrowIfNull(written);
            _version = written.Metadata?.ResourceVersion;
        }

        /// <summary>Ends the write: held events that are not its echo wake the owner now.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                _writes.End(_key, _version);
            }
        }
    }

    private sealed class InFlight
    {
        public int Writers;

        public InformerEvent<T>? Held;

        public List<string>? HeldVersions;
    }

    private sealed class Detach(OwnWrites<T> writes, Action<InformerEvent<T>> wake) : IDisposable
    {
        public void Dispose()
        {
            lock (writes._gate)
            {
                if (writes._wake == wake)
                {
                    writes._wake = null;
                }
            }
        }
    }
}
