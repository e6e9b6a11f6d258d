using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmKube.ControllerRuntime;

/// <summary>Settings of a <see cref="Controller"/>.</summary>
public sealed record ControllerOptions
{
    /// <summary>Parallel reconciles (never two on one key). Default 2.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Retry back-off (per key and overall).</summary>
    public RateLimiterOptions RateLimiter { get; init; } = new();
}

/// <summary>
/// Runs a reconciler over a work queue fed by informers. Register what to watch with <see cref="For{T}"/>,
/// <see cref="Owns{T}"/> and <see cref="Watches{T}"/>, then <see cref="RunAsync"/> (the manager does that,
/// only while leading). Each run creates a fresh queue; informer handlers are attached for the run and
/// replay the cache, so a new leader starts with every object queued once.
/// </summary>
public sealed class Controller
{
    private readonly IReconciler _reconciler;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RuntimeMetrics? _metrics;
    private readonly List<Func<Action<ObjectKey>, IDisposable>> _watches = [];
    private readonly List<IInformer> _informers = [];
    private WorkQueue<ObjectKey>? _queue;
    private int _active;

    /// <summary>Creates a controller.</summary>
    public Controller(string name, IReconciler reconciler, ControllerOptions? options = null, ILogger? logger = null,
        TimeProvider? timeProvider = null, RuntimeMetrics? metrics = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        _reconciler = reconciler ?? throw new ArgumentNullException(nameof(reconciler));
        Options = options ?? new ControllerOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = metrics;
        _metrics?.ControllerCreated(name, Math.Max(1, Options.Workers));
    }

    /// <summary>The controller's name (logs, metrics, queue name).</summary>
    public string Name { get; }

    /// <summary>The settings.</summary>
    public ControllerOptions Options { get; }

    /// <summary>The queue of the current run (null when not running).</summary>
    public WorkQueue<ObjectKey>? Queue => _queue;

    /// <summary>Reconciles currently in progress.</summary>
    public int ActiveReconciles => Volatile.Read(ref _active);

    /// <summary>The primary resource: each event enqueues the object's own key.</summary>
    public Controller For<T>(Informer<T> informer, EventPredicate<T>? predicate = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Watches(informer, EventMappers.Self<T>(), predicate);

    /// <summary>
    /// Owned children: each event enqueues the controlling owner of kind <paramref name="ownerKind"/>, except the echo
    /// of a write the reconciler made through <paramref name="ownWrites"/> (held while the write is in flight).
    /// </summary>
    public Controller Owns<T>(Informer<T> informer, string ownerKind, EventPredicate<T>? predicate = null, OwnWrites<T>? ownWrites = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Watch(informer, EventMappers.Owner<T>(ownerKind), predicate, ownWrites);

    /// <summary>Any watched resource, mapped to primary keys by <paramref name="mapper"/>.</summary>
    public Controller Watches<T>(Informer<T> informer, EventMapper<T> mapper, EventPredicate<T>? predicate = null)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        Watch(informer, mapper, predicate, ownWrites: null);

    private Controller Watch<T>(Informer<T> informer, EventMapper<T> mapper, EventPredicate<T>? predicate, OwnWrites<T>? ownWrites)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(mapper);
        _informers.Add(informer);
        _watches.Add(enqueue =>
        {
            void Wake(InformerEvent<T> e)
            {
                if (predicate != null && !predicate(e))
                {
                    return;
                }

                foreach (var key in mapper(e))
                {
                    enqueue(key);
                }
            }

            if (ownWrites is null)
            {
                return informer.AddEventHandler(Wake);
            }

            // The echo check comes first: it consumes its entry whatever the predicate says. A held event comes back
            // through Wake when its write ends.
            var attached = ownWrites.Attach(Wake);
            var registration = informer.AddEventHandler(e =>
            {
                if (!ownWrites.IsEcho(e))
                {
                    Wake(e);
                }
            });
            return new Registrations(registration, attached);
        });
        return this;
    }

    /// <summary>Informers this controller reads from.</summary>
    public IReadOnlyList<IInformer> Informers => _informers;

    /// <summary>
    /// Waits for the informers to sync, then reconciles until <paramref name="cancellationToken"/> is cancelled;
    /// then stops taking keys, cancels in-flight reconciles (same token) and waits for them to return.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<ObjectKey>(Options.RateLimiter.Create<ObjectKey>(_time), _time, _metrics?.QueueObserver(Name));
        if (Interlocked.CompareExchange(ref _queue, queue, null) != null)
        {
            throw new InvalidOperationException($"controller {Name} is already running");
        }

        var registrations = new List<IDisposable>();
        using var unfinished = _metrics?.TrackUnfinishedWork(Name, queue.UnfinishedWork);
        try
        {
            foreach (var informer in _informers)
            {
                await informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            }

            foreach (var watch in _watches)
            {
                registrations.Add(watch(queue.Add));
            }

            _logger.LogInformation("Controller {Controller} started with {Workers} workers", Name, Options.Workers);
            using var stop = cancellationToken.Register(queue.ShutDown);
            var workers = Enumerable.Range(0, Math.Max(1, Options.Workers))
                .Select(_ => Task.Run(() => WorkerAsync(queue, cancellationToken), CancellationToken.None))
                .ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }

            queue.ShutDown();
            Interlocked.Exchange(ref _queue, null);
            _logger.LogInformation("Controller {Controller} stopped", Name);
        }
    }

    private async Task WorkerAsync(WorkQueue<ObjectKey> queue, CancellationToken ct)
    {
        while (true)
        {
            var (key, shutDown) = await queue.GetAsync(CancellationToken.None).ConfigureAwait(false);
            if (shutDown)
            {
                return;
            }

            try
            {
                await ProcessAsync(queue, key, ct).ConfigureAwait(false);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(WorkQueue<ObjectKey> queue, ObjectKey key, CancellationToken ct)
    {
        using var scope = _logger.BeginScope(new ReconcileScope(Name, key, Guid.NewGuid()));
        var started = _time.GetTimestamp();
        Interlocked.Increment(ref _active);
        _metrics?.ReconcileStarted(Name);
        ReconcileResult result;
        try
        {
            result = await _reconciler.ReconcileAsync(key, ct).ConfigureAwait(false) ?? ReconcileResult.Done;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _metrics?.ReconcileAbandoned(Name);
            return;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            _logger.LogDebug("Conflict reconciling {Key}; requeueing", key);
            result = ReconcileResult.Requeue;
        }
        catch (Exception e)
        {
            result = ReconcileResult.Error(e);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }

        _metrics?.Reconciled(Name, result.Outcome, _time.GetElapsedTime(started));
        Apply(queue, key, result);
    }

    private void Apply(WorkQueue<ObjectKey> queue, ObjectKey key, ReconcileResult result)
    {
        switch (result.Outcome)
        {
            case ReconcileOutcome.Done:
                queue.Forget(key);
                break;
            case ReconcileOutcome.RequeueAfter:
                queue.Forget(key);
                queue.AddAfter(key, result.After);
                break;
            case ReconcileOutcome.Requeue:
                queue.AddRateLimited(key);
                break;
            case ReconcileOutcome.TransientError:
                // An API server's answer is an expected failure: one line with its status and message, no stack trace.
                _logger.LogWarning(ApiErrors.StackWorthy(result.Exception), "Reconcile of {Key} failed (retry {Retry}): {Message}",
                    key, queue.NumRequeues(key) + 1, ApiErrors.Describe(result.Exception) ?? result.Message);
                queue.AddRateLimited(key);
                break;
        }
    }

    private sealed class Registrations(params IDisposable[] parts) : IDisposable
    {
        public void Dispose()
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }
    }
}
