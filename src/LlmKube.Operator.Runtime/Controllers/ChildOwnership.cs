using k8s;
using k8s.Models;
using LlmKube.Api.Services;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;
using LlmKube.Core.Cache;

namespace LlmKube.Operator.Controllers;

/// <summary>The live objects holding the names a service's children take (null where the name is free).</summary>
public sealed record LiveChildren(V1Deployment? Deployment, V1Service? KubernetesService, V1PersistentVolumeClaim? Claim);

/// <summary>What <see cref="ChildOwnership.ReadAsync"/> found: the live children, or the first name someone else holds.</summary>
public sealed record OwnershipCheck(LiveChildren Live, string? Conflict);

/// <summary>
/// Looks at every object whose name a service would take before anything is created, so the operator never routes to,
/// adopts or updates what it did not create, and never leaves half a service behind when one name is taken. The
/// Deployment and Service informers list only objects with our runtime label (memory: not every Deployment in the
/// cluster), so a name missing there is read from the API server once: an unlabelled object of that name is foreign.
/// That read is a list by name, not a GET: a new service's names are free, and the client throws on a GET's 404; those
/// exceptions, rethrown through every async frame, cost the operator a measurable share of its CPU while creating
/// services (bench/operator/README.md). In steady state every child is in the cache and nothing is read.
/// </summary>
public sealed class ChildOwnership(IKubernetes client, OperatorCaches caches)
{
    public async Task<OwnershipCheck> ReadAsync(InferenceService service, DesiredState state, V1PersistentVolumeClaim? claim, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(state);
        var ns = service.Metadata.NamespaceProperty;
        var uid = service.Metadata.Uid;
        var conflicts = new List<string>();
        if (state.Plan.Claim is { OperatorProvisions: true } provisioned && claim is not null && !Provisioned(claim, provisioned.Kind, uid))
        {
            conflicts.Add(provisioned.Kind == CacheClaimKind.Shared
                ? $"PersistentVolumeClaim {claim.Metadata.Name} already exists in namespace {ns} without the operator's labels ({Labels(ObjectLabels.ForCacheClaim())}) and is not adopted as the shared model cache: delete it, or name it in spec.modelCache.claimName to use it as your own claim"
                : $"PersistentVolumeClaim {claim.Metadata.Name} already exists in namespace {ns} and is not controlled by this InferenceService: delete it, or name it in spec.modelCache.claimName to use it as your own claim");
        }

        var deploymentName = state.Deployment!.Metadata.Name;
        var deployment = caches.Deployments.Get(new ObjectKey(ns, deploymentName))
            ?? (await client.AppsV1.ListNamespacedDeploymentAsync(ns, fieldSelector: ByName(deploymentName), cancellationToken: ct).ConfigureAwait(false)).Items.SingleOrDefault();
        if (deployment is not null && !ChildWriter.ControlledBy(deployment.Metadata, uid))
        {
            conflicts.Add(Foreign("Deployment", deploymentName, ns));
        }

        var serviceName = state.KubernetesService!.Metadata.Name;
        var kubernetesService = caches.KubernetesServices.Get(new ObjectKey(ns, serviceName))
            ?? (await client.CoreV1.ListNamespacedServiceAsync(ns, fieldSelector: ByName(serviceName), cancellationToken: ct).ConfigureAwait(false)).Items.SingleOrDefault();
        if (kubernetesService is not null && !ChildWriter.ControlledBy(kubernetesService.Metadata, uid))
        {
            conflicts.Add(Foreign("Service", serviceName, ns));
        }

        return new OwnershipCheck(new LiveChildren(deployment, kubernetesService, claim), conflicts.Count > 0 ? string.Join("; ", conflicts) : null);
    }

    /// <summary>The shared claim carries the labels the operator (and upstream) creates it with; a perService or provisioned claim is controlled by its service.</summary>
    public static bool Provisioned(V1PersistentVolumeClaim claim, CacheClaimKind kind, string serviceUid)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return kind switch
        {
            CacheClaimKind.Shared => ObjectLabels.ForCacheClaim().All(l => claim.Metadata.Labels?.TryGetValue(l.Key, out var v) == true && v == l.Value),
            CacheClaimKind.PerService or CacheClaimKind.Provisioned => ChildWriter.ControlledBy(claim.Metadata, serviceUid),
            CacheClaimKind.User => false,
        };
    }

    /// <summary>Selects the one object of that name (object names never hold a selector's ',', '=' or '\\').</summary>
    private static string ByName(string name) => $"metadata.name={name}";

    private static string Foreign(string kind, string name, string ns) =>
        $"{kind} {name} already exists in namespace {ns} and is not controlled by this InferenceService: rename the InferenceService or delete that {kind}";

    private static string Labels(IReadOnlyDictionary<string, string> labels) => string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"));
}
