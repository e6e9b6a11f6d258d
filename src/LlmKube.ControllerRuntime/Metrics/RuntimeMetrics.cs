using k8s;
using Prometheus;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The Prometheus metrics of one manager, in its own <see cref="CollectorRegistry"/> (no static state, so
/// tests can run managers in parallel). Names are prefixed <c>llmkube_</c>.
/// </summary>
public sealed class RuntimeMetrics : IInformerObserver
{
    private readonly Counter _reconciles;
    private readonly Counter _reconcileErrors;
    private readonly Histogram _reconcileDuration;
    private readonly Gauge _queueDepth;
    private readonly Counter _queueAdds;
    private readonly Counter _queueRetries;
    private readonly Counter _apiRequests;
    private readonly Counter _informerLists;
    private readonly Counter _informerResyncs;
    private readonly Counter _informerErrors;
    private readonly Counter _watchEvents;
    private readonly Gauge _leader;
    private readonly Counter _events;

    /// <summary>Creates the metrics in a new registry.</summary>
    public RuntimeMetrics()
        : this(Prometheus.Metrics.NewCustomRegistry())
    {
    }

    /// <summary>Creates the metrics in <paramref name="registry"/>.</summary>
    public RuntimeMetrics(CollectorRegistry registry)
    {
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _reconciles = f.CreateCounter("llmkube_controller_reconcile_total", "Reconciles by controller and result (success, requeue, requeue_after, error, permanent_error).", ["controller", "result"]);
        _reconcileErrors = f.CreateCounter("llmkube_controller_reconcile_errors_total", "Reconciles that ended in an error.", ["controller"]);
        _reconcileDuration = f.CreateHistogram("llmkube_controller_reconcile_duration_seconds", "Duration of reconciles.", ["controller"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        _queueDepth = f.CreateGauge("llmkube_workqueue_depth", "Keys ready in the work queue.", ["name"]);
        _queueAdds = f.CreateCounter("llmkube_workqueue_adds_total", "Adds to the work queue.", ["name"]);
        _queueRetries = f.CreateCounter("llmkube_workqueue_retries_total", "Rate-limited re-adds to the work queue.", ["name"]);
        _apiRequests = f.CreateCounter("llmkube_api_requests_total", "Requests to the Kubernetes API by verb, resource and status code.", ["verb", "resource", "code"]);
        _informerLists = f.CreateCounter("llmkube_informer_lists_total", "Full lists by resource (type: initial or relist).", ["resource", "type"]);
        _informerResyncs = f.CreateCounter("llmkube_informer_resyncs_total", "Periodic cache replays by resource.", ["resource"]);
        _informerErrors = f.CreateCounter("llmkube_informer_errors_total", "List/watch failures by resource.", ["resource"]);
        _watchEvents = f.CreateCounter("llmkube_informer_watch_events_total", "Watch events by resource and type.", ["resource", "type"]);
        _leader = f.CreateGauge("llmkube_leader", "1 while this process holds the leader lease (or runs without leader election).");
        _events = f.CreateCounter("llmkube_events_total", "Kubernetes Events by outcome (created, patched, suppressed, dropped, failed).", ["outcome"]);
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Writes the text exposition format.</summary>
    public Task ExportAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);

    internal void Reconciled(string controller, ReconcileOutcome outcome, TimeSpan duration)
    {
        var result = outcome switch
        {
            ReconcileOutcome.Done => "success",
            ReconcileOutcome.Requeue => "requeue",
            ReconcileOutcome.RequeueAfter => "requeue_after",
            ReconcileOutcome.TransientError => "error",
        };
        _reconciles.WithLabels(controller, result).Inc();
        if (outcome == ReconcileOutcome.TransientError)
        {
            _reconcileErrors.WithLabels(controller).Inc();
        }

        _reconcileDuration.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    internal IWorkQueueObserver QueueObserver(string name) => new QueueMetrics(this, name);

    internal void ApiRequest(string verb, string resource, int code) =>
        _apiRequests.WithLabels(verb, resource, code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    internal void SetLeader(bool leader) => _leader.Set(leader ? 1 : 0);

    internal void Event(string outcome) => _events.WithLabels(outcome).Inc();

    /// <inheritdoc/>
    void IInformerObserver.Listed(ApiResource resource, bool relist) => _informerLists.WithLabels(resource.Name, relist ? "relist" : "initial").Inc();

    /// <inheritdoc/>
    void IInformerObserver.Resynced(ApiResource resource) => _informerResyncs.WithLabels(resource.Name).Inc();

    /// <inheritdoc/>
    void IInformerObserver.Failed(ApiResource resource) => _informerErrors.WithLabels(resource.Name).Inc();

    /// <inheritdoc/>
    void IInformerObserver.WatchEvent(ApiResource resource, WatchEventType type) => _watchEvents.WithLabels(resource.Name, type.ToString()).Inc();

    private sealed class QueueMetrics(RuntimeMetrics m, string name) : IWorkQueueObserver
    {
        public void Added() => m._queueAdds.WithLabels(name).Inc();

        public void Retried() => m._queueRetries.WithLabels(name).Inc();

        public void DepthChanged(int depth) => m._queueDepth.WithLabels(name).Set(depth);
    }
}
