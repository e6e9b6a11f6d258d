using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Common index functions.</summary>
public static class IndexFunctions
{
    /// <summary>Name of the index produced by <see cref="ByControllerUid{T}"/>.</summary>
    public const string ControllerUid = "controller-uid";

    /// <summary>Indexes an object by the UID of its controller owner reference (<c>controller: true</c>), if any.</summary>
    public static IEnumerable<string> ByControllerUid<T>(T obj)
        where T : IMetadata<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var owner = obj.Metadata?.OwnerReferences?.FirstOrDefault(r => r.Controller == true);
        return owner?.Uid is { Length: > 0 } uid ? [uid] : [];
    }

    /// <summary>Indexes by a single string taken from the object; null or empty values are not indexed.
    /// Index values are namespaced (<c>namespace/value</c>) so references resolve within the object's namespace.</summary>
    public static IndexFunc<T> ByNamespacedField<T>(Func<T, string?> field)
        where T : IMetadata<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(field);
        return obj => field(obj) is { Length: > 0 } v ? [NamespacedValue(obj.Metadata?.NamespaceProperty, v)] : [];
    }

    /// <summary>The index value <see cref="ByNamespacedField{T}"/> produces for a namespace and a value.</summary>
    public static string NamespacedValue(string? @namespace, string value) =>
        string.IsNullOrEmpty(@namespace) ? value : @namespace + "/" + value;
}
