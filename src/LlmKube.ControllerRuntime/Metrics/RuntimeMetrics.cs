using System.Collections.Concurrent;
using System.Globalization;
using k8s;
using Prometheus;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// The Prometheus metrics of one manager, in its own <see cref="CollectorRegistry"/> (no static state, so tests can
/// run managers in parallel). Names, types, labels and buckets are controller-runtime's and client-go's
/// (<c>controller_runtime_*</c>, <c>workqueue_*</c>, <c>rest_client_requests_total</c>,
/// <c>leader_election_master_status</c>), so dashboards and alerts written for Go operators work unchanged; what
/// they have no name for is prefixed <c>llmkube_</c>. Process and .NET runtime metrics come from
/// <see cref="ProcessMetrics"/>. Every metric is listed in docs/OBSERVABILITY.md (a test keeps the two equal).
/// </summary>
public sealed class RuntimeMetrics : IInformerObserver, IDisposable
{
    // controller-runtime's reconcile-time buckets (pkg/internal/controller/metrics) and client-go's workqueue buckets
    // (10 ns to 1000 s, factor 10).
    private static readonly double[] ReconcileTimeBuckets =
    [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
        1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ];

    private static readonly double[] WorkqueueBuckets = Histogram.ExponentialBuckets(10e-9, 10, 12);

    // Prometheus client_golang's DefBuckets, which upstream LLMKube's llmkube_reconcile_duration_seconds uses.
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Counter _reconciles;
    private readonly Counter _reconcileErrors;
    private readonly Counter _terminalErrors;
    private readonly Histogram _reconcileTime;
    private readonly Gauge _maxConcurrent;
    private readonly Gauge _activeWorkers;
    private readonly Counter _upstreamReconciles;
    private readonly Histogram _upstreamReconcileDuration;
    private readonly Gauge _queueDepth;
    private readonly Counter _queueAdds;
    private readonly Histogram _queueDuration;
    private readonly Histogram _workDuration;
    private readonly Gauge _unfinishedWork;
    private readonly Gauge _longestProcessor;
    private readonly Counter _queueRetries;
    private readonly Counter _restRequests;
    private readonly Counter _apiRequests;
    private readonly Gauge _leaderStatus;
    private readonly Counter _leaderFailures;
    private readonly Counter _informerLists;
    private readonly Counter _informerResyncs;
    private readonly Counter _informerErrors;
    private readonly Counter _watchEvents;
    private readonly Counter _events;
    private readonly ConcurrentDictionary<string, Func<(TimeSpan Total, TimeSpan Longest)>> _runningQueues = new(StringComparer.Ordinal);

    // Series resolved once per label set: WithLabels allocates and takes the family's lock on every call, and the hot
    // paths (every reconcile, queue operation, API request and watch event) would otherwise pay it several times each.
    private readonly ConcurrentDictionary<string, ControllerSeries> _controllers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Verb, string Resource, string Method, string Host, int? Code), (Counter.Child ClientGo, Counter.Child Api)> _requestSeries = new();
    private readonly ConcurrentDictionary<(string Resource, WatchEventType Type), Counter.Child> _watchEventSeries = new();
    private readonly ProcessMetrics _process;

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
        string[] controller = ["controller"];
        string[] queue = ["name", "controller"];

        _reconciles = f.CreateCounter("controller_runtime_reconcile_total", "Total number of reconciliations per controller", ["controller", "result"]);
        _reconcileErrors = f.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", controller);
        _terminalErrors = f.CreateCounter("controller_runtime_terminal_reconcile_errors_total", "Total number of terminal reconciliation errors per controller", controller);
        _reconcileTime = f.CreateHistogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller", controller,
            new HistogramConfiguration { Buckets = ReconcileTimeBuckets });
        _maxConcurrent = f.CreateGauge("controller_runtime_max_concurrent_reconciles", "Maximum number of concurrent reconciles per controller", controller);
        _activeWorkers = f.CreateGauge("controller_runtime_active_workers", "Number of currently used workers per controller", controller);
        _upstreamReconciles = f.CreateCounter("llmkube_reconcile_total", "Total number of reconciliation cycles (upstream LLMKube's name; result success or error).", ["controller", "result"]);
        _upstreamReconcileDuration = f.CreateHistogram("llmkube_reconcile_duration_seconds", "Duration of reconciliation cycles (upstream LLMKube's name).", controller,
            new HistogramConfiguration { Buckets = DefaultBuckets });

        _queueDepth = f.CreateGauge("workqueue_depth", "Current depth of workqueue", queue);
        _queueAdds = f.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", queue);
        _queueDuration = f.CreateHistogram("workqueue_queue_duration_seconds", "How long in seconds an item stays in workqueue before being requested", queue,
            new HistogramConfiguration { Buckets = WorkqueueBuckets });
        _workDuration = f.CreateHistogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.", queue,
            new HistogramConfiguration { Buckets = WorkqueueBuckets });
        _unfinishedWork = f.CreateGauge("workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.", queue);
        _longestProcessor = f.CreateGauge("workqueue_longest_running_processor_seconds", "How many seconds has the longest running processor for workqueue been running.", queue);
        _queueRetries = f.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", queue);

        _restRequests = f.CreateCounter("rest_client_requests_total", "Number of HTTP requests, partitioned by status code, method, and host.", ["code", "method", "host"]);
        _apiRequests = f.CreateCounter("llmkube_api_requests_total", "Requests to the Kubernetes API by verb, resource and status code (0: no response).", ["verb", "resource", "code"]);
        _leaderStatus = f.CreateGauge("leader_election_master_status", "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.", ["name"]);
        _leaderFailures = f.CreateCounter("llmkube_leader_election_failures_total", "Failed attempts to read, create or renew the leader Lease, by reason (NamespaceNotFound, Forbidden, Unauthorized, Unreachable, ServerError, Other).", ["name", "reason"]);

        _informerLists = f.CreateCounter("llmkube_informer_lists_total", "Full lists by resource (type: initial or relist).", ["resource", "type"]);
        _informerResyncs = f.CreateCounter("llmkube_informer_resyncs_total", "Periodic cache replays by resource.", ["resource"]);
        _informerErrors = f.CreateCounter("llmkube_informer_errors_total", "List/watch failures by resource.", ["resource"]);
        _watchEvents = f.CreateCounter("llmkube_informer_watch_events_total", "Watch events by resource and type.", ["resource", "type"]);
        _events = f.CreateCounter("llmkube_events_total", "Kubernetes Events by outcome (created, patched, suppressed, dropped, failed).", ["outcome"]);

        registry.AddBeforeCollectCallback(UpdateUnfinishedWork);
        _process = new ProcessMetrics(registry);
    }

    /// <summary>The registry the metrics live in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Writes the text exposition format.</summary>
    public Task ExportAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);

    /// <inheritdoc/>
    public void Dispose() => _process.Dispose();

    /// <summary>Creates a controller's series at zero, as controller-runtime does when a controller is built, so
    /// <c>rate()</c> and alerts see them before the first reconcile (and on standbys).</summary>
    internal void ControllerCreated(string controller, int workers)
    {
        var series = Series(controller); // every counter of the controller and its queue, at zero
        _terminalErrors.WithLabels(controller); // controller-runtime's series; our reconcilers report no terminal error, so it stays 0
        _maxConcurrent.WithLabels(controller).Set(workers);
        series.ActiveWorkers.Set(0);
        series.Queue.Depth.Set(0);
        _unfinishedWork.WithLabels(controller, controller).Set(0);
        _longestProcessor.WithLabels(controller, controller).Set(0);
    }

    internal void ReconcileStarted(string controller) => Series(controller).ActiveWorkers.Inc();

    /// <summary>A reconcile ended: controller-runtime's result names.</summary>
    internal void Reconciled(string controller, ReconcileOutcome outcome, TimeSpan duration)
    {
        var series = Series(controller);
        series.ActiveWorkers.Dec();
        var failed = outcome == ReconcileOutcome.TransientError;
        var result = outcome switch
        {
            ReconcileOutcome.Done => series.Succeeded,
            ReconcileOutcome.Requeue => series.Requeued,
            ReconcileOutcome.RequeueAfter => series.RequeuedAfter,
            ReconcileOutcome.TransientError => series.Failed,
        };
        result.Inc();
        if (failed)
        {
            series.Errors.Inc();
        }

        series.Time.Observe(duration.TotalSeconds);
        (failed ? series.UpstreamFailed : series.UpstreamSucceeded).Inc();
        series.UpstreamDuration.Observe(duration.TotalSeconds);
    }

    /// <summary>A reconcile that never ended because the controller was stopped (the worker is free again).</summary>
    internal void ReconcileAbandoned(string controller) => Series(controller).ActiveWorkers.Dec();

    /// <summary>The observer of a controller's queue; its name is the controller's, as controller-runtime names queues.</summary>
    internal IWorkQueueObserver QueueObserver(string controller) => Series(controller).Queue;

    /// <summary>Reports the in-progress work of a running queue at every scrape, until disposed.</summary>
    internal IDisposable TrackUnfinishedWork(string controller, Func<(TimeSpan Total, TimeSpan Longest)> unfinished)
    {
        _runningQueues[controller] = unfinished;
        return new Untrack(this, controller);
    }

    internal void ApiRequest(string verb, string resource, string method, string host, int? code)
    {
        var (clientGo, api) = _requestSeries.GetOrAdd((verb, resource, method, host, code), static (key, m) =>
        {
            var text = key.Code is { } c ? c.ToString(CultureInfo.InvariantCulture) : "<error>";
            return (m._restRequests.WithLabels(text, key.Method, key.Host),
                m._apiRequests.WithLabels(key.Verb, key.Resource, key.Code is { } n ? n.ToString(CultureInfo.InvariantCulture) : "0"));
        }, this);
        clientGo.Inc();
        api.Inc();
    }

    internal void LeaderStatus(string lease, bool leading) => _leaderStatus.WithLabels(lease).Set(leading ? 1 : 0);

    internal void LeaderElectionFailed(string lease, string reason) => _leaderFailures.WithLabels(lease, reason).Inc();

    internal void Event(string outcome) => _events.WithLabels(outcome).Inc();

    /// <inheritdoc/>
    void IInformerObserver.Listed(ApiResource resource, bool relist) => _informerLists.WithLabels(resource.Name, relist ? "relist" : "initial").Inc();

    /// <inheritdoc/>
    void IInformerObserver.Resynced(ApiResource resource) => _informerResyncs.WithLabels(resource.Name).Inc();

    /// <inheritdoc/>
    void IInformerObserver.Failed(ApiResource resource) => _informerErrors.WithLabels(resource.Name).Inc();

    /// <inheritdoc/>
    void IInformerObserver.WatchEvent(ApiResource resource, WatchEventType type) =>
        _watchEventSeries.GetOrAdd((resource.Name, type), static (key, m) => m._watchEvents.WithLabels(key.Resource, key.Type.ToString()), this).Inc();

    private void UpdateUnfinishedWork()
    {
        foreach (var (controller, unfinished) in _runningQueues)
        {
            var (total, longest) = unfinished();
            _unfinishedWork.WithLabels(controller, controller).Set(total.TotalSeconds);
            _longestProcessor.WithLabels(controller, controller).Set(longest.TotalSeconds);
        }
    }

    private ControllerSeries Series(string controller) =>
        _controllers.GetOrAdd(controller, static (name, m) => new ControllerSeries(m, name), this);

    /// <summary>One controller's series (its queue is named after it, as controller-runtime names queues).</summary>
    private sealed class ControllerSeries(RuntimeMetrics m, string controller)
    {
        public Gauge.Child ActiveWorkers { get; } = m._activeWorkers.WithLabels(controller);

        public Counter.Child Succeeded { get; } = m._reconciles.WithLabels(controller, "success");

        public Counter.Child Requeued { get; } = m._reconciles.WithLabels(controller, "requeue");

        public Counter.Child RequeuedAfter { get; } = m._reconciles.WithLabels(controller, "requeue_after");

        public Counter.Child Failed { get; } = m._reconciles.WithLabels(controller, "error");

        public Counter.Child Errors { get; } = m._reconcileErrors.WithLabels(controller);

        // Histograms appear at their first observation, as before this cache (no empty buckets on a standby).
        public Histogram.Child Time => field ??= m._reconcileTime.WithLabels(controller);

        public Counter.Child UpstreamSucceeded { get; } = m._upstreamReconciles.WithLabels(controller, "success");

        public Counter.Child UpstreamFailed { get; } = m._upstreamReconciles.WithLabels(controller, "error");

        public Histogram.Child UpstreamDuration => field ??= m._upstreamReconcileDuration.WithLabels(controller);

        public QueueMetrics Queue { get; } = new(m, controller);
    }

    private sealed class QueueMetrics(RuntimeMetrics m, string controller) : IWorkQueueObserver
    {
        private readonly Counter.Child _adds = m._queueAdds.WithLabels(controller, controller);
        private readonly Counter.Child _retries = m._queueRetries.WithLabels(controller, controller);

        public Gauge.Child Depth { get; } = m._queueDepth.WithLabels(controller, controller);

        public void Added() => _adds.Inc();

        public void Retried() => _retries.Inc();

        public void DepthChanged(int depth) => Depth.Set(depth);

        public void Taken(TimeSpan waited) => Waited.Observe(waited.TotalSeconds);

        public void Processed(TimeSpan processing) => Processing.Observe(processing.TotalSeconds);

        private Histogram.Child Waited => field ??= m._queueDuration.WithLabels(controller, controller);

        private Histogram.Child Processing => field ??= m._workDuration.WithLabels(controller, controller);
    }

    private sealed class Untrack(RuntimeMetrics m, string controller) : IDisposable
    {
        public void Dispose()
        {
            m._runningQueues.TryRemove(controller, out _);
            m._unfinishedWork.WithLabels(controller, controller).Set(0);
            m._longestProcessor.WithLabels(controller, controller).Set(0);
            m.Series(controller).Queue.Depth.Set(0);
        }
    }
}
