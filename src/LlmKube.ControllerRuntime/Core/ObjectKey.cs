using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>
/// Identifies an object by namespace and name: the work-queue key and the cache key.
/// Cluster-scoped objects have an empty <see cref="Namespace"/>; the string form is then just the name,
/// otherwise <c>namespace/name</c> (client-go's <c>MetaNamespaceKeyFunc</c>).
/// </summary>
public readonly record struct ObjectKey(string Namespace, string Name) : IComparable<ObjectKey>
{
    /// <summary>The key of a Kubernetes object (its <c>metadata.namespace</c> and <c>metadata.name</c>).</summary>
    public static ObjectKey Of(IMetadata<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var meta = obj.Metadata ?? throw new ArgumentException("object has no metadata", nameof(obj));
        return new ObjectKey(meta.NamespaceProperty ?? string.Empty, meta.Name ?? string.Empty);
    }

    /// <summary>Parses <c>namespace/name</c> or <c>name</c>.</summary>
    public static ObjectKey Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new ObjectKey(string.Empty, key) : new ObjectKey(key[..slash], key[(slash + 1)..]);
    }

    /// <inheritdoc/>
    public override string ToString() => string.IsNullOrEmpty(Namespace) ? Name : Namespace + "/" + Name;

    /// <inheritdoc/>
    public int CompareTo(ObjectKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }
}
