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
/// adopts or updates what it did not create, and never leaves half a service behind when one name is taken. Names are
/// looked up in two caches per kind: our labelled children, whole, and every other Deployment and Service in the
/// watched namespaces as metadata only (<see cref="UnlabelledSelector"/>, <see cref="NameHolder{T}(T)"/>):
/// a foreign name is known without a read, and creating a service reads nothing (bench/operator/README.md: the read
/// per name cost the operator a fifth of its time creating services). One case still reads: an object of ours that
/// lost its label sits in the metadata-only cache, and is read whole so it can be put right. A foreign object created
/// after the cache last heard from the server (the same race a read has, a little wider) makes the create fail with
/// 409, and the pass after looks again.
/// </summary>
public sealed class ChildOwnership(IKubernetes client, OperatorCaches caches)
{
    /// <summary>The selector of the metadata-only informers: Deployments and Services without our runtime label.</summary>
    public const string UnlabelledSelector = "!" + ObjectLabels.RuntimeLabel;

    private readonly IResourceClient<V1Deployment> _deployments = ResourceKinds.Deployments.CreateClient(client);
    private readonly IResourceClient<V1Service> _kubernetesServices = ResourceKinds.Services.CreateClient(client);

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
        var deployment = await HolderAsync("Deployment", caches.Deployments, caches.UnlabelledDeployments, ns, deploymentName, uid, conflicts,
            () => ReadWholeAsync(_deployments, ns, deploymentName, ct)).ConfigureAwait(false);
        var serviceName = state.KubernetesService!.Metadata.Name;
        var kubernetesService = await HolderAsync("Service", caches.KubernetesServices, caches.UnlabelledKubernetesServices, ns, serviceName, uid, conflicts,
            () => ReadWholeAsync(_kubernetesServices, ns, serviceName, ct)).ConfigureAwait(false);

        return new OwnershipCheck(new LiveChildren(deployment, kubernetesService, claim), conflicts.Count > 0 ? string.Join("; ", conflicts) : null);
    }

    /// <summary>What the metadata-only informers keep of a Deployment or Service: who holds the name.</summary>
    public static T NameHolder<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta>, new() =>
        new() { ApiVersion = obj.ApiVersion, Kind = obj.Kind, Metadata = NameHolder(obj.Metadata) };

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

    /// <summary>
    /// The object holding the <paramref name="kind"/> name <paramref name="name"/>: from the labelled cache whole; from
    /// the unlabelled cache as metadata, read whole only when the service controls it (ours, without its label). A
    /// holder the service does not control is added to <paramref name="conflicts"/>.
    /// </summary>
    private static async Task<T?> HolderAsync<T>(string kind, IReadOnlyIndexer<T> labelled, IReadOnlyIndexer<T> unlabelled, string ns, string name, string uid,
        List<string> conflicts, Func<Task<T?>> read)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var key = new ObjectKey(ns, name);
        var holder = labelled.Get(key);
        if (holder is null && unlabelled.Get(key) is { } other)
        {
            holder = ChildWriter.ControlledBy(other.Metadata, uid) ? await read().ConfigureAwait(false) : other;
        }

        if (holder is not null && !ChildWriter.ControlledBy(holder.Metadata, uid))
        {
            conflicts.Add(Foreign(kind, name, ns));
        }

        return holder;
    }

    private static V1ObjectMeta NameHolder(V1ObjectMeta? meta) => new()
    {
        Name = meta?.Name,
        NamespaceProperty = meta?.NamespaceProperty,
        Uid = meta?.Uid,
        ResourceVersion = meta?.ResourceVersion,
        OwnerReferences = meta?.OwnerReferences,
    };

    /// <summary>
    /// The one object of that name, by a LIST with a field selector (object names never hold a selector's ',', '=' or
    /// '\\'), sent the way every cache lists (<see cref="IResourceClient{T}.ListAsync"/>) and decoded without the
    /// managedFields nothing here reads.
    /// </summary>
    private static async Task<T?> ReadWholeAsync<T>(IResourceClient<T> resources, string ns, string name, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (await resources.ListAsync(new ListRequest(ns, FieldSelector: $"metadata.name={name}", KeepManagedFields: false), ct).ConfigureAwait(false)).Items.SingleOrDefault();

    private static string Foreign(string kind, string name, string ns) =>
        $"{kind} {name} already exists in namespace {ns} and is not controlled by this InferenceService: rename the InferenceService or delete that {kind}";

    private static string Labels(IReadOnlyDictionary<string, string> labels) => string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"));
}
