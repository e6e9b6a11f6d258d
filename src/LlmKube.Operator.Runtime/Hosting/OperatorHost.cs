using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;
using LlmKube.Core.Configuration;
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
    private readonly ConfigurationPublisher _publisher;
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

        var inferenceServices = Manager.Informer(ResourceKind.Custom<InferenceService>());
        var models = Manager.Informer(ResourceKind.Custom<Model>());
        var deployments = Manager.Informer(ResourceKinds.Deployments, ObjectLabels.RuntimeLabel);
        var kubernetesServices = Manager.Informer(ResourceKinds.Services, ObjectLabels.RuntimeLabel);
        var unlabelledDeployments = Manager.Informer(ResourceKinds.Deployments, ChildOwnership.UnlabelledSelector, ChildOwnership.NameHolder<V1Deployment>);
        var unlabelledServices = Manager.Informer(ResourceKinds.Services, ChildOwnership.UnlabelledSelector, ChildOwnership.NameHolder<V1Service>);
        var claims = Manager.Informer(ResourceKinds.PersistentVolumeClaims);
        var volumes = Manager.Informer(ResourceKinds.PersistentVolumes);
        var pods = Manager.Informer(ResourceKinds.Pods, ObjectLabels.InferenceServiceLabel);

        inferenceServices.AddIndex(OperatorCaches.InferenceServicesByModel, IndexFunctions.ByNamespacedField<InferenceService>(s => s.Spec.ModelRef));
        var workload = options.Workload();
        inferenceServices.AddIndex(OperatorCaches.InferenceServicesByCacheClaim, s => ModelCacheDecision.ClaimsDependedOn(s, workload)
            .Select(claim => IndexFunctions.NamespacedValue(s.Metadata.NamespaceProperty, claim)));
        inferenceServices.AddIndex(OperatorCaches.InferenceServicesByChildName, s => new[] { ObjectLabels.DeploymentName(s), ObjectLabels.KubernetesServiceName(s) }
            .Distinct(StringComparer.Ordinal).Select(name => IndexFunctions.NamespacedValue(s.Metadata.NamespaceProperty, name)));
        models.AddIndex(OperatorCaches.ModelsBySourceClaim, IndexFunctions.ByNamespacedField<Model>(m => ModelSource.Parse(m.Spec.Source) is { Kind: SourceKind.Pvc } s ? s.Container : null));
        pods.AddIndex(OperatorCaches.PodsByInferenceService, IndexFunctions.ByNamespacedField<V1Pod>(p => p.Metadata?.Labels?.TryGetValue(ObjectLabels.InferenceServiceLabel, out var s) == true ? s : null));

        _publisher = new ConfigurationPublisher(Manager.Client, OperatorNamespace.Resolve(options.LeaderElectionNamespace).Name,
            new PublishedConfiguration(workload, Api.ProductVersion.Current, options.Namespace), loggers.CreateLogger<ConfigurationPublisher>(), time);
        _metrics = new OperatorMetrics(Manager.Metrics.Registry, inferenceServices.Cache, models.Cache, claims.Cache, pods, () => Manager.IsLeader, time);
        var caches = new OperatorCaches(inferenceServices.Cache, models.Cache, deployments.Cache, kubernetesServices.Cache, unlabelledDeployments.Cache, unlabelledServices.Cache, claims.Cache, volumes.Cache, pods.Cache);
        _probe = new HttpSourceProbe(options.AllowPrivateSourceProbes);
        var controllerOptions = new ControllerOptions { Workers = options.Workers };

        var modelReconciler = new ModelReconciler(Manager.ClientFor(ResourceKind.Custom<Model>()), caches, _probe, Manager.Events, options, time);
        Manager.AddController("model", modelReconciler, controllerOptions)
            .For(models, EventPredicates.GenerationOrMetadataChanged<Model>())
            .Watches(claims, EventMappers.ByIndex<V1PersistentVolumeClaim, Model>(models.Cache, OperatorCaches.ModelsBySourceClaim, EventMappers.NamespacedName));

        var deploymentWrites = new OwnWrites<V1Deployment>();
        var kubernetesServiceWrites = new OwnWrites<V1Service>();
        var children = new ChildWriter(Manager.Client, deploymentWrites, kubernetesServiceWrites);
        var serviceReconciler = new InferenceServiceReconciler(Manager.Client, children, Manager.ClientFor(ResourceKind.Custom<InferenceService>()), caches, Manager.Events, options, time,
            loggers.CreateLogger<InferenceServiceReconciler>());
        Manager.AddController("inferenceservice", serviceReconciler, controllerOptions)
            .For(inferenceServices, EventPredicates.GenerationOrMetadataChanged<InferenceService>())
            .Owns(deployments, InferenceService.KindName, ownWrites: deploymentWrites)
            .Owns(kubernetesServices, InferenceService.KindName, ownWrites: kubernetesServiceWrites)
            .Watches(models, EventMappers.ByIndex<Model, InferenceService>(inferenceServices.Cache, OperatorCaches.InferenceServicesByModel, EventMappers.NamespacedName))
            .Watches(claims, EventMappers.ByIndex<V1PersistentVolumeClaim, InferenceService>(inferenceServices.Cache, OperatorCaches.InferenceServicesByCacheClaim, EventMappers.NamespacedName))
            .Watches(pods, PodToService)
            .Watches(unlabelledDeployments, ForeignNameFreed<V1Deployment>(inferenceServices.Cache), e => e.Type == InformerEventType.Deleted)
            .Watches(unlabelledServices, ForeignNameFreed<V1Service>(inferenceServices.Cache), e => e.Type == InformerEventType.Deleted);
    }

    public OperatorOptions Options { get; }

    public Manager Manager { get; }

    /// <summary>Where the operator publishes its configuration (<see cref="ConfigurationPublisher"/>).</summary>
    public string ConfigurationNamespace => _publisher.Namespace;

    /// <summary>Publishes the configuration (in the background, retried) and runs the manager until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = _publisher.RunAsync(stop.Token);
        try
        {
            await Manager.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await publishing.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped before it could publish.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync().ConfigureAwait(false);
        _probe.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Someone else's object of a child's name is gone (or took our label): the services it blocked look again.</summary>
    private static EventMapper<T> ForeignNameFreed<T>(IReadOnlyIndexer<InferenceService> services)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        EventMappers.ByIndex<T, InferenceService>(services, OperatorCaches.InferenceServicesByChildName, EventMappers.NamespacedName);

    private static IEnumerable<ObjectKey> PodToService(InformerEvent<V1Pod> e) =>
        e.Object.Metadata?.Labels?.TryGetValue(ObjectLabels.InferenceServiceLabel, out var name) == true
            ? [new ObjectKey(e.Object.Metadata.NamespaceProperty ?? "", name)]
            : [];
}
