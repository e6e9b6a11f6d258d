using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Ready-made <see cref="ResourceKind{T}"/>s for the built-in kinds the operator watches (and ConfigMaps, the
/// runtime's own tests' core kind).
/// core/v1 kinds use KubernetesClient's typed methods; other groups go through <c>CustomObjects</c>; every list and watch
/// goes through <see cref="ApiGet"/>.
/// </summary>
public static class ResourceKinds
{
    /// <summary>apps/v1 Deployments.</summary>
    public static ResourceKind<V1Deployment> Deployments { get; } =
        ResourceKind.Custom<V1Deployment>(new ApiResource("apps", "v1", "deployments", "Deployment"));

    /// <summary>core/v1 Services.</summary>
    public static ResourceKind<V1Service> Services { get; } = Core(
        new ApiResource("", "v1", "services", "Service", Namespaced: true),
        new CoreOperations<V1Service>(
            (c, ns, n, ct) => c.ReadNamespacedServiceAsync(n, ns, cancellationToken: ct),
            (c, p, ns, n, status, ct) => status
                ? c.PatchNamespacedServiceStatusAsync(p, n, ns, cancellationToken: ct)
                : c.PatchNamespacedServiceAsync(p, n, ns, cancellationToken: ct)));

    /// <summary>core/v1 ConfigMaps.</summary>
    public static ResourceKind<V1ConfigMap> ConfigMaps { get; } = Core(
        new ApiResource("", "v1", "configmaps", "ConfigMap", Namespaced: true),
        new CoreOperations<V1ConfigMap>(
            (c, ns, n, ct) => c.ReadNamespacedConfigMapAsync(n, ns, cancellationToken: ct),
            (c, p, ns, n, status, ct) => c.PatchNamespacedConfigMapAsync(p, n, ns, cancellationToken: ct)));

    /// <summary>core/v1 Pods.</summary>
    public static ResourceKind<V1Pod> Pods { get; } = Core(
        new ApiResource("", "v1", "pods", "Pod", Namespaced: true),
        new CoreOperations<V1Pod>(
            (c, ns, n, ct) => c.ReadNamespacedPodAsync(n, ns, cancellationToken: ct),
            (c, p, ns, n, status, ct) => status
                ? c.PatchNamespacedPodStatusAsync(p, n, ns, cancellationToken: ct)
                : c.PatchNamespacedPodAsync(p, n, ns, cancellationToken: ct)));

    /// <summary>core/v1 PersistentVolumeClaims.</summary>
    public static ResourceKind<V1PersistentVolumeClaim> PersistentVolumeClaims { get; } = Core(
        new ApiResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", Namespaced: true),
        new CoreOperations<V1PersistentVolumeClaim>(
            (c, ns, n, ct) => c.ReadNamespacedPersistentVolumeClaimAsync(n, ns, cancellationToken: ct),
            (c, p, ns, n, status, ct) => status
                ? c.PatchNamespacedPersistentVolumeClaimStatusAsync(p, n, ns, cancellationToken: ct)
                : c.PatchNamespacedPersistentVolumeClaimAsync(p, n, ns, cancellationToken: ct)));

    /// <summary>core/v1 PersistentVolumes.</summary>
    public static ResourceKind<V1PersistentVolume> PersistentVolumes { get; } = Core(
        new ApiResource("", "v1", "persistentvolumes", "PersistentVolume", Namespaced: false),
        new CoreOperations<V1PersistentVolume>(
            (c, ns, n, ct) => c.ReadPersistentVolumeAsync(n, cancellationToken: ct),
            (c, p, ns, n, status, ct) => status
                ? c.PatchPersistentVolumeStatusAsync(p, n, cancellationToken: ct)
                : c.PatchPersistentVolumeAsync(p, n, cancellationToken: ct)));

    private static ResourceKind<T> Core<T>(ApiResource resource, CoreOperations<T> ops)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(resource, c => new CoreResourceClient<T>(c, resource, ops));
}
