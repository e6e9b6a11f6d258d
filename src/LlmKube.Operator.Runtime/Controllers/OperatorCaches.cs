using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>
/// The informer caches the reconcilers read from (never from the API directly). Deployments and Services are split by
/// our runtime label: ours whole, the others (<see cref="UnlabelledDeployments"/>, <see cref="UnlabelledKubernetesServices"/>)
/// as their metadata only, so <see cref="ChildOwnership"/> knows which names are taken without reading them.
/// </summary>
public sealed record OperatorCaches(
    IReadOnlyIndexer<InferenceService> InferenceServices,
    IReadOnlyIndexer<Model> Models,
    IReadOnlyIndexer<V1Deployment> Deployments,
    IReadOnlyIndexer<V1Service> KubernetesServices,
    IReadOnlyIndexer<V1Deployment> UnlabelledDeployments,
    IReadOnlyIndexer<V1Service> UnlabelledKubernetesServices,
    IReadOnlyIndexer<V1PersistentVolumeClaim> Claims,
    IReadOnlyIndexer<V1PersistentVolume> Volumes,
    IReadOnlyIndexer<V1Pod> Pods)
{
    /// <summary>InferenceServices by <c>namespace/modelRef</c>: a Model change wakes its services.</summary>
    public const string InferenceServicesByModel = "modelRef";

    /// <summary>InferenceServices by the <c>namespace/claim</c> they would use as cache: a claim change wakes them.</summary>
    public const string InferenceServicesByCacheClaim = "cacheClaim";

    /// <summary>Models by the <c>namespace/claim</c> of their pvc:// source.</summary>
    public const string ModelsBySourceClaim = "sourceClaim";

    /// <summary>
    /// InferenceServices by the <c>namespace/name</c> of each child they would take (Deployment and Service): a
    /// foreign object's removal wakes the service it blocked.
    /// </summary>
    public const string InferenceServicesByChildName = "childName";

    /// <summary>Pods by <c>namespace/service</c> (label <c>inference.llmkube.dev/service</c>).</summary>
    public const string PodsByInferenceService = "service";
}
