using System.Threading.Channels;

namespace LlmKube.Sandbox.Storage;

/// <summary>An entry of a watch stream: a change, or a bookmark at a revision when <see cref="Event"/> is null.</summary>
internal readonly record struct WatchItem(WatchEvent? Event, long BookmarkRevision);

/// <summary>
/// One open watch as the store sees it: an ordered queue the store appends to under its lock. The HTTP
/// side drains it, applies selectors and writes frames. A consumer that falls too far behind is closed,
/// as the real API server closes slow watchers.
/// </summary>
internal sealed class WatchSubscriber
{
    private readonly Channel<WatchItem> _channel = Channel.CreateUnbounded<WatchItem>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly int _maxBacklog;
    private int _backlog;

    public WatchSubscriber(string storageKey, string? ns, bool bookmarks, int maxBacklog)
    {
        StorageKey = storageKey;
        Namespace = ns;
        Bookmarks = bookmarks;
        _maxBacklog = maxBacklog;
    }

    public string StorageKey { get; }

    public string? Namespace { get; }

    public bool Bookmarks { get; }

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    public bool TryRead(out WatchItem item)
    {
        if (_channel.Reader.TryRead(out item))
        {
            Interlocked.Decrement(ref _backlog);
            return true;
        }

        return false;
    }

    public bool IsClosed { get; private set; }

    /// <summary>Appends an item; closes the watch when the consumer is hopelessly behind.</summary>
    public void Push(WatchItem item, bool force = false)
    {
        if (IsClosed)
        {
            return;
        }

        if (!force && Volatile.Read(ref _backlog) >= _maxBacklog)
        {
            Close();
            return;
        }

        if (_channel.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _backlog);
        }
    }

    public bool Accepts(StoredObject obj) => Namespace is null || obj.Namespace == Namespace;

    public void Close()
    {
        IsClosed = true;
        _channel.Writer.TryComplete();
    }
}
