namespace Packaging.Tests;

/// <summary>Where a permission is granted.</summary>
public enum PermissionScope
{
    /// <summary>Namespaced objects: the ClusterRole, or a Role in <c>watchNamespace</c> when one is set.</summary>
    Watched,

    /// <summary>Cluster-scoped objects: always the ClusterRole.</summary>
    Cluster,

    /// <summary>The leader-election Role in the release namespace (only with <c>leaderElection.enabled</c>).</summary>
    LeaderElection,

    /// <summary>The operator-config Role in the release namespace: the ConfigMap the operator publishes its configuration in.</summary>
    OperatorConfig,
}

/// <summary>One verb on one resource, with the code that needs it and the end-to-end step that observes it.</summary>
public sealed record Permission(string Group, string Resource, string Verb, PermissionScope Scope, string CodePath, string ObservedBy, string? ResourceName = null)
{
    public string Key => $"{(Group.Length == 0 ? "core" : Group)} {Resource} {Verb}{(ResourceName is null ? string.Empty : $" [{ResourceName}]")}";
}

/// <summary>
/// The single list of every API permission the operator uses. The chart's ClusterRole and Roles must grant
/// exactly these (<see cref="RbacRulesTests"/>); the chart README's table is generated from it; and the
/// RBAC-bound end-to-end run (tests/EndToEnd.Tests/RbacBoundScenarios.cs) observes every one of them in the
/// sandbox's request counters, with zero 403s. Add a row here first when the operator starts using a new verb.
/// </summary>
public static class OperatorPermissions
{
    public const string LeaseName = "llmkube-operator-leader";
    public const string ConfigMapName = "llmkube-operator-config";

    private const string Informer = "informer list (initial sync, 410 relist)";
    private const string Watch = "informer watch";

    public static IReadOnlyList<Permission> All { get; } =
    [
        new("inference.llmkube.dev", "inferenceservices", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(InferenceService) → Informer.ListAsync", "operator start-up (" + Informer + ")"),
        new("inference.llmkube.dev", "inferenceservices", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(InferenceService) → Informer.WatchAsync", "operator start-up (" + Watch + ")"),
        new("inference.llmkube.dev", "inferenceservices/status", "patch", PermissionScope.Watched, "InferenceServiceReconciler.ReconcileAsync → StatusPatchHelper.SendAsync (merge patch on /status)", "every service's phase and conditions"),
        new("inference.llmkube.dev", "models", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(Model) → Informer.ListAsync", "operator start-up (" + Informer + ")"),
        new("inference.llmkube.dev", "models", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(Model) → Informer.WatchAsync", "operator start-up (" + Watch + ")"),
        new("inference.llmkube.dev", "models/status", "patch", PermissionScope.Watched, "ModelReconciler.ReconcileAsync → StatusPatchHelper.SendAsync (merge patch on /status)", "every Model's phase and cache key"),
        new("apps", "deployments", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(Deployments, runtime label) and Manager.Informer(Deployments, !runtime label, metadata only) → Informer.ListAsync, so ChildOwnership.ReadAsync finds an unlabelled Deployment of a service's name in a cache before anything is created; it lists by metadata.name only a Deployment the service controls that lost our label", "operator start-up (" + Informer + "); a foreign Deployment reported as ResourceConflict; our Deployment stripped of its label"),
        new("apps", "deployments", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(Deployments), both selectors → Informer.WatchAsync (Owns: status changes wake the service; an unlabelled Deployment's removal wakes the service whose name it held)", "operator start-up (" + Watch + "); a foreign Deployment deleted"),
        new("apps", "deployments", "create", PermissionScope.Watched, "ChildWriter.ApplyDeploymentAsync: no Deployment yet, or re-creation after a selector change", "shared-claim service becomes Ready"),
        new("apps", "deployments", "update", PermissionScope.Watched, "ChildWriter.ApplyDeploymentAsync → ReplaceNamespacedDeploymentAsync (spec drifted or changed)", "spec.endpoint.port and replicas changed"),
        new("apps", "deployments", "delete", PermissionScope.Watched, "ChildWriter.ApplyDeploymentAsync: the live selector differs (immutable), delete then create", "owned Deployment with an old selector is replaced"),
        new("", "services", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(Services, runtime label) and Manager.Informer(Services, !runtime label, metadata only) → Informer.ListAsync, so ChildOwnership.ReadAsync finds an unlabelled Service of a service's name in a cache before anything is created; it lists by metadata.name only a Service the service controls that lost our label", "operator start-up (" + Informer + "); a foreign Service reported as ResourceConflict; our Service stripped of its label"),
        new("", "services", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(Services), both selectors → Informer.WatchAsync (an unlabelled Service's removal wakes the service whose name it held)", "operator start-up (" + Watch + "); a foreign Service deleted"),
        new("", "services", "create", PermissionScope.Watched, "ChildWriter.ApplyKubernetesServiceAsync: no Service yet", "shared-claim service becomes Ready"),
        new("", "services", "update", PermissionScope.Watched, "ChildWriter.ApplyKubernetesServiceAsync → ReplaceNamespacedServiceAsync (ports, type or selector changed)", "spec.endpoint.port changed"),
        new("", "persistentvolumeclaims", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(PersistentVolumeClaims) → Informer.ListAsync", "operator start-up (" + Informer + ")"),
        new("", "persistentvolumeclaims", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(PersistentVolumeClaims) → Informer.WatchAsync (a missing claim appearing wakes its services and pvc:// Models)", "operator start-up; missing claim created later"),
        new("", "persistentvolumeclaims", "create", PermissionScope.Watched, "InferenceServiceReconciler.CreateClaimAsync: only the shared llmkube-model-cache or a perService <isvc>-model-cache claim, never a claimName claim", "shared claim, then perService claim created"),
        new("", "persistentvolumeclaims", "patch", PermissionScope.Watched, "InferenceServiceReconciler.SizeClaimAsync: grows only a provisioned <isvc>-model-cache claim's storage request to spec.modelCache.size (merge patch), never a shared or claimName claim", "provisioned claim grown on an expandable class"),
        new("", "pods", "list", PermissionScope.Watched, "OperatorHost: Manager.Informer(Pods, service label) → Informer.ListAsync", "operator start-up (" + Informer + ")"),
        new("", "pods", "watch", PermissionScope.Watched, "OperatorHost: Manager.Informer(Pods) → Informer.WatchAsync (init-container failures → TransferDiagnosis)", "operator start-up (" + Watch + ")"),
        new("", "events", "create", PermissionScope.Watched, "EventRecorder.WriteAsync → CreateNamespacedEventAsync (first occurrence)", "ModelCacheClaimCreated, ModelCachePVCNotFound, Ready"),
        new("", "events", "patch", PermissionScope.Watched, "EventRecorder.WriteAsync → PatchNamespacedEventAsync (a repeat after --event-dedup-window bumps count)", "missing claim re-reported after the window"),
        new("", "persistentvolumes", "list", PermissionScope.Cluster, "OperatorHost: Manager.Informer(PersistentVolumes) → Informer.ListAsync (cluster-scoped)", "operator start-up (" + Informer + ")"),
        new("", "persistentvolumes", "watch", PermissionScope.Cluster, "OperatorHost: Manager.Informer(PersistentVolumes) → Informer.WatchAsync; ClaimHealth.Evaluate reads the bound PV's node affinity", "operator start-up; claims bound to new PVs"),
        new("storage.k8s.io", "storageclasses", "get", PermissionScope.Cluster, "InferenceServiceReconciler.ReadStorageClassAsync: only when a bound provisioned claim is asked to grow (allowVolumeExpansion)", "provisioned claim grown on an expandable class"),
        new("coordination.k8s.io", "leases", "create", PermissionScope.LeaderElection, "LeaderElectionRunner → KubernetesClient LeaseLock.CreateAsync (no Lease yet)", "first operator with --leader-elect"),
        new("coordination.k8s.io", "leases", "get", PermissionScope.LeaderElection, "LeaderElectionRunner → LeaseLock.GetAsync every retry period; ReleaseAsync reads before releasing", "every election round", LeaseName),
        new("coordination.k8s.io", "leases", "update", PermissionScope.LeaderElection, "LeaderElectionRunner → LeaseLock.UpdateAsync (acquire an expired or released Lease, renew it)", "renewals every 2 s; the second operator takes over", LeaseName),
        new("coordination.k8s.io", "leases", "patch", PermissionScope.LeaderElection, "LeaderElectionRunner.ReleaseAsync: clears holderIdentity on a graceful stop (SIGTERM)", "each operator stopped with SIGTERM", LeaseName),
        new("", "configmaps", "create", PermissionScope.OperatorConfig, "ConfigurationPublisher.PublishAsync: the operator's configuration is not published yet (creating cannot be limited by name)", "first operator start"),
        new("", "configmaps", "get", PermissionScope.OperatorConfig, "ConfigurationPublisher.PublishAsync reads it at every start (and writes nothing when it says the same)", "every operator start", ConfigMapName),
        new("", "configmaps", "update", PermissionScope.OperatorConfig, "ConfigurationPublisher.PublishAsync: the flags changed since it was written", "the perService operator replaces the shared one's configuration", ConfigMapName),
    ];
}
