using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using Prometheus;

namespace LlmKube.Operator.Metrics;

/// <summary>
/// The operator's domain metrics: upstream LLMKube's names and labels where it has them
/// (<c>llmkube_inferenceservice_phase</c>, <c>llmkube_inferenceservice_replicas</c>, <c>llmkube_model_status</c>,
/// <c>llmkube_model_download_duration_seconds</c>) and ours for the model cache (claims in use by kind and state,
/// <c>ModelCacheReady</c> by reason). State gauges are computed from the informer caches at each scrape, so they
/// are exactly what status says now and a deleted object's series vanish with it; only the leader publishes them
/// (a standby's caches are as warm, and two replicas would double every <c>count()</c>).
/// </summary>
public sealed class OperatorMetrics : IDisposable
{
    // Upstream's buckets: 1 s to ~4096 s.
    private static readonly double[] DownloadBuckets = Histogram.ExponentialBuckets(1, 2, 12);

    private readonly IReadOnlyIndexer<InferenceService> _services;
    private readonly IReadOnlyIndexer<Model> _models;
    private readonly IReadOnlyIndexer<V1PersistentVolumeClaim> _claims;
    private readonly Func<bool> _publishing;
    private readonly DateTimeOffset _since;
    private readonly PublishedGauge _servicePhase;
    private readonly PublishedGauge _replicas;
    private readonly PublishedGauge _modelStatus;
    private readonly PublishedGauge _claimsInUse;
    private readonly PublishedGauge _cacheReady;
    private readonly Histogram _downloads;
    private readonly HashSet<string> _observedDownloads = new(StringComparer.Ordinal);
    private readonly IDisposable _podEvents;
    private readonly object _publishLock = new();

    /// <summary>Registers the metrics in <paramref name="registry"/> and follows <paramref name="pods"/> for downloads.</summary>
    /// <param name="publishing">Whether to publish now (the leader, or a process without leader election).</param>
    public OperatorMetrics(CollectorRegistry registry, IReadOnlyIndexer<InferenceService> services, IReadOnlyIndexer<Model> models,
        IReadOnlyIndexer<V1PersistentVolumeClaim> claims, Informer<V1Pod> pods, Func<bool> publishing, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(time);
        _services = services ?? throw new ArgumentNullException(nameof(services));
        _models = models ?? throw new ArgumentNullException(nameof(models));
        _claims = claims ?? throw new ArgumentNullException(nameof(claims));
        _publishing = publishing ?? throw new ArgumentNullException(nameof(publishing));
        _since = time.GetUtcNow();
        var f = Prometheus.Metrics.WithCustomRegistry(registry);
        _servicePhase = new(f.CreateGauge("llmkube_inferenceservice_phase", "Current phase of inference services. Value is always 1; use the phase label for filtering.", ["inferenceservice", "namespace", "phase"]));
        _replicas = new(f.CreateGauge("llmkube_inferenceservice_replicas", "InferenceService replica counts. Use the state label: ready, desired.", ["inferenceservice", "namespace", "state"]));
        _modelStatus = new(f.CreateGauge("llmkube_model_status", "Current phase of models. Value is always 1; use the phase label for filtering.", ["model", "namespace", "phase"]));
        _claimsInUse = new(f.CreateGauge("llmkube_model_cache_claims", "Model-cache claims that InferenceServices use, by kind (shared, perService, claim) and state (Bound, Pending, Lost, Terminating, Missing).", ["namespace", "kind", "state"]));
        _cacheReady = new(f.CreateGauge("llmkube_inferenceservice_model_cache_ready", "The ModelCacheReady condition of each InferenceService. Value is always 1; status True/False, reason as in status (ClaimBound, ClaimPending, ClaimNotFound, ClaimTerminating, ClaimLost, …).", ["inferenceservice", "namespace", "status", "reason"]));
        _downloads = f.CreateHistogram("llmkube_model_download_duration_seconds", "Duration of model download/copy operations: the model-downloader init container's run time as the kubelet reports it (cache hits included).",
            ["model", "namespace", "source_type"], new HistogramConfiguration { Buckets = DownloadBuckets });
        registry.AddBeforeCollectCallback(Publish);
        _podEvents = pods.AddEventHandler(OnPod);
    }

    /// <inheritdoc/>
    public void Dispose() => _podEvents.Dispose();

    private void Publish()
    {
        lock (_publishLock)
        {
            PublishLocked();
        }
    }

    private void PublishLocked()
    {
        if (!_publishing())
        {
            foreach (var gauge in new[] { _servicePhase, _replicas, _modelStatus, _claimsInUse, _cacheReady })
            {
                gauge.Publish([]);
            }

            return;
        }

        var services = _services.List();
        _servicePhase.Publish(services.Where(s => s.Status?.Phase is { Length: > 0 })
            .Select(s => Series.Of(1, s.Metadata.Name, s.Metadata.NamespaceProperty, s.Status!.Phase!)));
        _replicas.Publish(services.Where(s => s.Status is not null).SelectMany(s => new[]
        {
            Series.Of(s.Status!.ReadyReplicas ?? 0, s.Metadata.Name, s.Metadata.NamespaceProperty, "ready"),
            Series.Of(s.Status.DesiredReplicas ?? 0, s.Metadata.Name, s.Metadata.NamespaceProperty, "desired"),
        }));
        _cacheReady.Publish(services.Select(s => (Service: s, Condition: s.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.ModelCacheReady)))
            .Where(x => x.Condition is not null)
            .Select(x => Series.Of(1, x.Service.Metadata.Name, x.Service.Metadata.NamespaceProperty, x.Condition!.Status, x.Condition.Reason)));
        _modelStatus.Publish(_models.List().Where(m => m.Status?.Phase is { Length: > 0 })
            .Select(m => Series.Of(1, m.Metadata.Name, m.Metadata.NamespaceProperty, m.Status!.Phase!)));
        _claimsInUse.Publish(services
            .Select(s => s.Status?.ModelCache is { Volume: CacheVolumes.Shared or CacheVolumes.PerService or CacheVolumes.UserClaim, ClaimName: { Length: > 0 } claim } cache
                ? (Namespace: s.Metadata.NamespaceProperty, Kind: cache.Volume, Claim: claim)
                : default)
            .Where(c => c.Claim is not null)
            .Distinct()
            .GroupBy(c => (c.Namespace, c.Kind, State: ClaimState(c.Namespace, c.Claim)))
            .Select(g => Series.Of(g.Count(), g.Key.Namespace, g.Key.Kind, g.Key.State)));
    }

    private string ClaimState(string ns, string claim) => _claims.Get(new ObjectKey(ns, claim)) switch
    {
        null => "Missing",
        { Metadata.DeletionTimestamp: not null } => "Terminating",
        var c => c.Status?.Phase is { Length: > 0 } phase ? phase : "Pending",
    };

    /// <summary>Observes each successful model-downloader run once, if it finished after this process started (runs
    /// seen again after a restart or a re-list must not be counted twice).</summary>
    private void OnPod(InformerEvent<V1Pod> e)
    {
        var pod = e.Object;
        var id = pod.Metadata?.Uid ?? string.Empty;
        if (e.Type == InformerEventType.Deleted)
        {
            _observedDownloads.Remove(id);
            return;
        }

        var status = pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.Name == FetcherContainers.DownloaderName);
        if (status?.State?.Terminated is not { ExitCode: 0, StartedAt: { } started, FinishedAt: { } finished }
            || new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc)) < _since
            || !_publishing() || !_observedDownloads.Add(id))
        {
            return;
        }

        // Anyone who may create pods in a namespace can label one like ours: only a Model that exists becomes a label
        // value, so a pod cannot mint series of its own.
        var ns = pod.Metadata!.NamespaceProperty ?? string.Empty;
        var modelName = pod.Metadata.Labels?.TryGetValue(ObjectLabels.ModelLabel, out var label) == true ? label : null;
        if (modelName is null || _models.Get(new ObjectKey(ns, modelName)) is not { } model)
        {
            return;
        }

        var sourceType = ModelSource.Parse(model.Spec.Source).Kind == SourceKind.Local ? "local" : "remote";
        _downloads.WithLabels(modelName, ns, sourceType).Observe(Math.Max(0, (finished - started).TotalSeconds));
    }

    /// <summary>One series: its label values and value.</summary>
    private readonly record struct Series(string[] Labels, double Value)
    {
        public static Series Of(double value, params string?[] labels) => new([.. labels.Select(l => l ?? string.Empty)], value);
    }

    /// <summary>A labelled gauge whose series are replaced as a whole at each scrape (vanished ones are removed).</summary>
    private sealed class PublishedGauge(Gauge gauge)
    {
        private HashSet<string> _published = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string[]> _labels = new(StringComparer.Ordinal);

        public void Publish(IEnumerable<Series> series)
        {
            var now = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in series)
            {
                var key = string.Join('\u0001', s.Labels);
                if (now.Add(key))
                {
                    _labels[key] = s.Labels;
                    gauge.WithLabels(s.Labels).Set(s.Value);
                }
            }

            foreach (var gone in _published.Where(k => !now.Contains(k)))
            {
                gauge.RemoveLabelled(_labels[gone]);
                _labels.Remove(gone);
            }

            _published = now;
        }
    }
}
