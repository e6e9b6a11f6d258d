using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.ControllerRuntime;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Controllers;
using LlmKube.Operator.Metrics;
using Microsoft.Extensions.Logging;

namespace LlmKube.Operator.Hosting;

/// <summary>
/// Wires the operator: informers with their indexes, the Model and InferenceService controllers and their
/// watches, health and metrics endpoints, leader election. Used by the binary and by <c>llmkube sandbox up</c>.
/// </summary>
public sealed class OperatorHost : IAsyncDisposable
{
    /// <summary>The leader Lease's name (the chart's leader-election Role names it).</summary>
    public const string LeaseName = "llmkube-operator-leader";

    private readonly HttpSourceProbe _probe;
    private readonly OperatorMetrics _metrics;

    public OperatorHost(KubernetesClientConfiguration config, OperatorOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        time ??= TimeProvider.System;
        Options = options;
        Manager = new Manager(config, new ManagerOptions
        {
            Namespace = options.Namespace,
            HealthPort = options.HealthPort > 0 ? options.HealthPort : null,
            MetricsPort = options.MetricsPort > 0 ? options.MetricsPort : null,
            Informers = new InformerOptions { ResyncPeriod = options.ResyncPeriod },
            LeaderElection = new LeaderElectionOptions
            {
                Enabled = options.LeaderElect,
                LeaseNamespace = OperatorNamespace.ForLease(options.LeaderElectionNamespace).Name,
                LeaseName = LeaseName,
            },
            Events = new EventRecorderOptions { DedupWindow = options.EventDedupWindow },
        }, loggers, time);

        var services = Manager.Informer(ResourceKind.Custom<InferenceService>());
        var models = Manager.Informer(ResourceKind.Custom<Model>());
        var deployments = Manager.Informer(ResourceKinds.Deployments, ObjectLabels.RuntimeLabel);
        var kubeServices = Manager.Informer(ResourceKinds.Services, ObjectLabels.RuntimeLabel);
        var claims = Manager.Informer(ResourceKinds.PersistentVolumeClaims);
        var volumes = Manager.Informer(ResourceKinds.PersistentVolumes);
        var pods = Manager.Informer(ResourceKinds.Pods, ObjectLabels.ServiceLabel);

        services.AddIndex(OperatorCaches.ServicesByModel, IndexFunctions.ByNamespacedField<InferenceService>(s => s.Spec.ModelRef));
        services.AddIndex(OperatorCaches.ServicesByCacheClaim, IndexFunctions.ByNamespacedField<InferenceService>(s => CacheClaimOf(s, options)));
        models.AddIndex(OperatorCaches.ModelsBySourceClaim, IndexFunctions.ByNamespacedField<Model>(m => ModelSource.Parse(m.Spec.Source) is { Kind: SourceKind.Pvc } s ? s.Container : null));
        pods.AddIndex(OperatorCaches.PodsByService, IndexFunctions.ByNamespacedField<V1Pod>(p => p.Metadata?.Labels?.TryGetValue(ObjectLabels.ServiceLabel, out var s) == true ? s : null));

        _metrics = new OperatorMetrics(Manager.Metrics.Registry, services.Cache, models.Cache, claims.Cache, pods, () => Manager.IsLeader, time);
        var caches = new OperatorCaches(services.Cache, models.Cache, deployments.Cache, kubeServices.Cache, claims.Cache, volumes.Cache, pods.Cache);
        _probe = new HttpSourceProbe(options.AllowPrivateSourceProbes);
        var controllerOptions = new ControllerOptions { Workers = options.Workers };

        var modelReconciler = new ModelReconciler(Manager.ClientFor(ResourceKind.Custom<Model>()), caches, _probe, Manager.Events, options, time);
        Manager.AddController("model", modelReconciler, controllerOptions)
            .For(models, EventPredicates.GenerationOrMetadataChanged<Model>())
            .Watches(claims, EventMappers.ByIndex<V1PersistentVolumeClaim, Model>(models.Cache, OperatorCaches.ModelsBySourceClaim, EventMappers.NamespacedName));

        var serviceReconciler = new InferenceServiceReconciler(Manager.Client, Manager.ClientFor(ResourceKind.Custom<InferenceService>()), caches, Manager.Events, options, time,
            loggers.CreateLogger<InferenceServiceReconciler>());
        Manager.AddController("inferenceservice", serviceReconciler, controllerOptions)
            .For(services, EventPredicates.GenerationOrMetadataChanged<InferenceService>())
            .Owns(deployments, InferenceService.KindName)
            .Owns(kubeServices, InferenceService.KindName)
            .Watches(models, EventMappers.ByIndex<Model, InferenceService>(services.Cache, OperatorCaches.ServicesByModel, EventMappers.NamespacedName))
            .Watches(claims, EventMappers.ByIndex<V1PersistentVolumeClaim, InferenceService>(services.Cache, OperatorCaches.ServicesByCacheClaim, EventMappers.NamespacedName))
            .Watches(pods, PodToService);
    }

    public OperatorOptions Options { get; }

    public Manager Manager { get; }

    public Task RunAsync(CancellationToken cancellationToken) => Manager.RunAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync().ConfigureAwait(false);
        _probe.Dispose();
        _metrics.Dispose();
    }

    /// <summary>The claim a service would use as its cache if it is cached: claimName, else the mode's claim.</summary>
    public static string CacheClaimOf(InferenceService service, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        return service.Spec.ModelCache?.ClaimName is { Length: > 0 } claim ? claim
            : options.IsPerService ? ModelCacheDecision.PerServiceClaimName(service.Metadata.Name)
            : ModelCacheDecision.SharedClaimName;
    }

    private static IEnumerable<ObjectKey> PodToService(InformerEvent<V1Pod> e) =>
        e.Object.Metadata?.Labels?.TryGetValue(ObjectLabels.ServiceLabel, out var name) == true
            ? [new ObjectKey(e.Object.Metadata.NamespaceProperty ?? "", name)]
            : [];
}
