using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Keeps a local cache of one resource type in sync with the API server (client-go's shared informer):
/// a paged LIST, then a WATCH from the list's resourceVersion with bookmarks; the last seen resourceVersion
/// (bookmarks included) is where the next watch resumes. A 410 Gone (which KubernetesClient reports only
/// through <c>onError</c>) triggers a re-list that synthesizes deletes for vanished objects; a stream that
/// ends normally is re-opened from the last version; transport errors back off exponentially with jitter.
/// Handlers run synchronously on the informer's loop: keep them short (map to keys and enqueue).
/// Cached objects carry no <c>metadata.managedFields</c> (controller-runtime's DefaultTransform): on a real
/// cluster they are often the largest part of an object, nothing here reads them, and no write sends them
/// (patches leave server-owned metadata out; replaces are built from the desired object). Lists and watch events are
/// decoded without them (<see cref="KubernetesJsonNodes.WithoutManagedFields"/>). Their small labels,
/// annotations and selectors are <see cref="ReadOnlyStringMap"/>s (<see cref="CompactMaps"/>). With
/// <see cref="SharedParts"/>, equal pod-spec parts of cached objects are one shared instance.
/// </summary>
public sealed partial class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IResourceClient<T> _client;
    private readonly InformerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IInformerObserver? _observer;
    private readonly SharedParts? _sharedParts;
    private readonly Indexer<T> _cache = new();
    private readonly object _dispatchLock = new();
    private readonly List<Action<InformerEvent<T>>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Random _random = new();
    private volatile string? _lastResourceVersion;
    private int _started;

    /// <summary>
    /// Creates an informer; call <see cref="RunAsync"/> to start it. <paramref name="transform"/> (controller-runtime's
    /// cache transform) turns each decoded object into what the cache keeps, e.g. only its metadata.
    /// </summary>
    public Informer(IResourceClient<T> client, InformerOptions? options = null, ILogger? logger = null,
        TimeProvider? timeProvider = null, IInformerObserver? observer = null, SharedParts? sharedParts = null, Func<T, T>? transform = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new InformerOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _observer = observer;
        _sharedParts = sharedParts;
        Transform = transform;
    }

    /// <inheritdoc/>
    public ApiResource Resource => _client.Resource;

    /// <inheritdoc/>
    public string? Namespace => string.IsNullOrEmpty(_options.Namespace) ? null : _options.Namespace;

    /// <summary>The settings.</summary>
    public InformerOptions Options => _options;

    /// <summary>What the cache keeps of each object, when not the whole object.</summary>
    internal Func<T, T>? Transform { get; }

    /// <summary>The cache. Objects in it are shared: never mutate them.</summary>
    public IReadOnlyIndexer<T> Cache => _cache;

    /// <inheritdoc/>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch starts from (list, event or bookmark).</summary>
    public string? LastResourceVersion => _lastResourceVersion;

    /// <summary>Number of full lists done (1 after the initial list; more after 410s).</summary>
    public int ListCount { get; private set; }

    /// <summary>Adds a secondary index to the cache (may be called at any time).</summary>
    public void AddIndex(string name, IndexFunc<T> func)
    {
        if (!_cache.HasIndex(name))
        {
            _cache.AddIndex(name, func);
        }
    }

    /// <inheritdoc/>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("an informer runs once");
        }

        var resync = ResyncLoopAsync(cancellationToken);
        try
        {
            await ListWatchLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await resync.ConfigureAwait(false);
        }
    }

    private async Task ListWatchLoopAsync(CancellationToken ct)
    {
        var backoff = new Backoff(_options.InitialBackoff, _options.MaxBackoff, _random);
        var needList = true;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(ct).ConfigureAwait(false);
                    needList = false;
                }

                var outcome = await WatchOnceAsync(ct).ConfigureAwait(false);
                switch (outcome)
                {
                    case WatchOutcome.Gone:
                        _logger.LogInformation("Watch of {Resource} expired (410 Gone) at resourceVersion {ResourceVersion}; re-listing", Resource, _lastResourceVersion);
                        needList = true;
                        break;
                    case WatchOutcome.Failed:
                        _observer?.Failed(Resource);
                        await Task.Delay(backoff.Next(), _time, ct).ConfigureAwait(false);
                        break;
                    case WatchOutcome.EndedEmpty:
                        // A stream that closes at once with nothing in it: do not spin.
                        await Task.Delay(backoff.Next(), _time, ct).ConfigureAwait(false);
                        break;
                    default:
                        backoff.Reset();
                        break;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Gone)
            {
                // An expired continue token, or a watch refused with a plain 410 response.
                _logger.LogInformation("{Resource}: 410 Gone from the server; re-listing", Resource);
                needList = true;
                await DelayQuietly(backoff.Next(), ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _observer?.Failed(Resource);
                var delay = backoff.Next();
                if (InformerErrors.Explain(e) is { } reason)
                {
                    // Expected in operation (server restarting, CRD not installed yet): one line, no stack trace.
                    _logger.LogWarning("List/watch of {Resource} failed (attempt {Attempt}): {Reason}; retrying in {Delay}", Resource, backoff.Attempt, reason, delay);
                }
                else
                {
                    _logger.LogWarning(e, "List/watch of {Resource} failed (attempt {Attempt}); retrying in {Delay}", Resource, backoff.Attempt, delay);
                }

                await DelayQuietly(delay, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task ListAndReplaceAsync(CancellationToken ct)
    {
        var items = new List<T>();
        string? cont = null;
        string? rv = null;
        do
        {
            var page = await _client.ListAsync(
                new ListRequest(Namespace, _options.LabelSelector, _options.FieldSelector, _options.PageSize > 0 ? _options.PageSize : null, cont, _options.KeepManagedFields),
                ct).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                items.Add(Trim(item));
            }

            rv = page.ResourceVersion;
            cont = page.Continue;
        }
        while (!string.IsNullOrEmpty(cont));

        var relist = ListCount > 0;
        lock (_dispatchLock)
        {
            var seen = new HashSet<ObjectKey>();
            foreach (var item in items)
            {
                seen.Add(ObjectKey.Of(item));
                var old = _cache.Upsert(item);
                if (old == null)
                {
                    Dispatch(new InformerEvent<T>(InformerEventType.Added, item));
                }
                else if (old.Rv() != item.Rv())
                {
                    Dispatch(new InformerEvent<T>(InformerEventType.Updated, item, old));
                }
            }

            foreach (var key in _cache.Keys())
            {
                if (!seen.Contains(key) && _cache.Remove(key) is { } gone)
                {
                    Dispatch(new InformerEvent<T>(InformerEventType.Deleted, gone));
                }
            }

            _lastResourceVersion = rv;
        }

        ListCount++;
        _observer?.Listed(Resource, relist);
        _logger.LogDebug("Listed {Count} {Resource} at resourceVersion {ResourceVersion}", items.Count, Resource, rv);
        _synced.TrySetResult();
    }

    private async Task<WatchOutcome> WatchOnceAsync(CancellationToken ct)
    {
        var gone = false;
        Exception? serverError = null;
        var any = false;
        var min = Math.Max(1, (int)_options.MinWatchTimeout.TotalSeconds);
        var request = new WatchRequest(Namespace, _lastResourceVersion, _options.LabelSelector, _options.FieldSelector,
            AllowBookmarks: true, TimeoutSeconds: min + _random.Next(min + 1), KeepManagedFields: _options.KeepManagedFields);
        var started = _time.GetTimestamp();
        void OnError(Exception e)
        {
            if (e is KubernetesException { Status.Code: 410 })
            {
                gone = true;
            }
            else
            {
                serverError = e;
            }
        }

        await foreach (var (type, obj) in _client.WatchAsync(request, OnError, ct).ConfigureAwait(false))
        {
            any = true;
            _observer?.WatchEvent(Resource, type);
            Apply(type, obj);
        }

        if (gone)
        {
            return WatchOutcome.Gone;
        }

        if (serverError != null)
        {
            _logger.LogWarning(serverError, "Watch of {Resource} reported an error", Resource);
            return WatchOutcome.Failed;
        }

        return any || _time.GetElapsedTime(started) > TimeSpan.FromSeconds(1) ? WatchOutcome.Ended : WatchOutcome.EndedEmpty;
    }

    private void Apply(WatchEventType type, T obj)
    {
        obj = Trim(obj);
        var rv = obj.Rv();
        lock (_dispatchLock)
        {
            switch (type)
            {
                case WatchEventType.Added:
                case WatchEventType.Modified:
                    var old = _cache.Upsert(obj);
                    if (old == null)
                    {
                        Dispatch(new InformerEvent<T>(InformerEventType.Added, obj));
                    }
                    else if (old.Rv() != rv)
                    {
                        Dispatch(new InformerEvent<T>(InformerEventType.Updated, obj, old));
                    }

                    break;
                case WatchEventType.Deleted:
                    var removed = _cache.Remove(ObjectKey.Of(obj));
                    Dispatch(new InformerEvent<T>(InformerEventType.Deleted, obj, removed));
                    break;
                default:
                    break;
            }

            if (!string.IsNullOrEmpty(rv))
            {
                _lastResourceVersion = rv;
            }
        }
    }

    /// <summary>Drops what the cache does not need from a freshly decoded object (not yet shared).</summary>
    private T Trim(T obj)
    {
        if (!_options.KeepManagedFields && obj.Metadata is { ManagedFields: not null } meta)
        {
            meta.ManagedFields = null;
        }

        if (Transform is not null)
        {
            obj = Transform(obj);
        }

        obj = CompactMaps.Compact(obj);
        return _sharedParts is null ? obj : _sharedParts.Share(obj);
    }

    private async Task DelayQuietly(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _time, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private enum WatchOutcome
    {
        Ended,
        EndedEmpty,
        Gone,
        Failed,
    }
}
