using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Maps an informer event to the keys of the primary objects to reconcile.</summary>
public delegate IEnumerable<ObjectKey> EventMapper<T>(InformerEvent<T> e)
    where T : class;

/// <summary>Decides whether an informer event is worth a reconcile.</summary>
public delegate bool EventPredicate<T>(InformerEvent<T> e)
    where T : class;

/// <summary>Common <see cref="EventMapper{T}"/>s.</summary>
public static class EventMappers
{
    /// <summary>The object itself (for the controller's primary resource).</summary>
    public static EventMapper<T> Self<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => static e => [ObjectKey.Of(e.Object)];

    /// <summary>
    /// The controlling owner of an owned child: the owner reference with <c>controller: true</c> whose kind is
    /// <paramref name="ownerKind"/> (and whose apiVersion's group is <paramref name="ownerGroup"/>, when given),
    /// in the child's namespace. On updates both the old and the new owner are returned (an ownership change
    /// must wake both).
    /// </summary>
    public static EventMapper<T> Owner<T>(string ownerKind, string? ownerGroup = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerKind);
        return e =>
        {
            var keys = new List<ObjectKey>(2);
            AddOwner(keys, e.Object, ownerKind, ownerGroup);
            if (e.Type == InformerEventType.Updated && e.OldObject != null)
            {
                AddOwner(keys, e.OldObject, ownerKind, ownerGroup);
            }

            return keys;
        };
    }

    /// <summary>
    /// References resolved through an index of the primary informer: the primaries whose index
    /// <paramref name="indexName"/> contains any value <paramref name="indexValues"/> computes from the event's
    /// object (e.g. a PVC <c>ns/name</c> → the InferenceServices whose <c>claimName</c> index holds it).
    /// Old and new objects are both consulted on updates.
    /// </summary>
    public static EventMapper<TOther> ByIndex<TOther, TPrimary>(IReadOnlyIndexer<TPrimary> primaries, string indexName, Func<TOther, IEnumerable<string>> indexValues)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
        where TPrimary : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(primaries);
        ArgumentNullException.ThrowIfNull(indexValues);
        return e =>
        {
            var keys = new HashSet<ObjectKey>();
            foreach (var v in indexValues(e.Object))
            {
                keys.UnionWith(primaries.KeysByIndex(indexName, v));
            }

            if (e.Type == InformerEventType.Updated && e.OldObject != null)
            {
                foreach (var v in indexValues(e.OldObject))
                {
                    keys.UnionWith(primaries.KeysByIndex(indexName, v));
                }
            }

            return keys;
        };
    }

    /// <summary>The object's own <c>namespace/name</c> as an index value (pairs with <see cref="IndexFunctions.ByNamespacedField{T}"/>).</summary>
    public static IEnumerable<string> NamespacedName<T>(T obj)
        where T : IMetadata<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return [IndexFunctions.NamespacedValue(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? string.Empty)];
    }

    private static void AddOwner<T>(List<ObjectKey> keys, T obj, string kind, string? group)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
        if (owner == null || owner.Kind != kind || string.IsNullOrEmpty(owner.Name))
        {
            return;
        }

        if (group != null)
        {
            var slash = owner.ApiVersion?.IndexOf('/', StringComparison.Ordinal) ?? -1;
            var ownerGroup = slash < 0 ? string.Empty : owner.ApiVersion![..slash];
            if (ownerGroup != group)
            {
                return;
            }
        }

        var key = new ObjectKey(obj.Metadata?.NamespaceProperty ?? string.Empty, owner.Name);
        if (!keys.Contains(key))
        {
            keys.Add(key);
        }
    }
}

/// <summary>Common <see cref="EventPredicate{T}"/>s. Predicates are per watch: filter the primary resource's
/// status-only updates, but keep listening to the status of children (e.g. Deployment readiness).</summary>
public static class EventPredicates
{
    /// <summary>
    /// Drops updates that leave <c>metadata.generation</c> unchanged (status-only writes, including our own);
    /// adds, deletes and resyncs pass. Objects without a generation always pass.
    /// </summary>
    public static EventPredicate<T> GenerationChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        static e => e.Type != InformerEventType.Updated || e.OldObject?.Metadata?.Generation is null ||
                    e.OldObject.Metadata.Generation != e.Object.Metadata?.Generation;

    /// <summary>Like <see cref="GenerationChanged{T}"/>, but label, annotation, finalizer and deletion-timestamp changes also pass.</summary>
    public static EventPredicate<T> GenerationOrMetadataChanged<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var gen = GenerationChanged<T>();
        return e =>
        {
            if (gen(e))
            {
                return true;
            }

            var o = e.OldObject!.Metadata;
            var n = e.Object.Metadata;
            return !SameMap(o.Labels, n.Labels) || !SameMap(o.Annotations, n.Annotations) ||
                   !(o.Finalizers ?? []).SequenceEqual(n.Finalizers ?? []) || o.DeletionTimestamp != n.DeletionTimestamp;
        };
    }

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        a ??= new Dictionary<string, string>();
        b ??= new Dictionary<string, string>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
