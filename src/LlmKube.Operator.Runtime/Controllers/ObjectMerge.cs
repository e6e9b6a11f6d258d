using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;

namespace LlmKube.Operator.Controllers;

/// <summary>Merging rules for updates: our keys win, keys others added survive.</summary>
public static class ObjectMerge
{
    /// <summary>
    /// A copy of <paramref name="desired"/> carrying the live object's resourceVersion (so a concurrent write
    /// is a 409), and the union of labels, annotations and owner references.
    /// </summary>
    public static T KeepForeignMetadata<T>(T desired, T live)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(live);
        var update = KubernetesJsonNodes.DeepCopy(desired);
        update.Metadata.ResourceVersion = live.Metadata.ResourceVersion;
        update.Metadata.Labels = Union(live.Metadata.Labels, desired.Metadata.Labels);
        update.Metadata.Annotations = Union(live.Metadata.Annotations, desired.Metadata.Annotations);
        var owners = new List<V1OwnerReference>(desired.Metadata.OwnerReferences ?? []);
        owners.AddRange((live.Metadata.OwnerReferences ?? []).Where(o => owners.All(d => d.Uid != o.Uid)));
        update.Metadata.OwnerReferences = owners.Count > 0 ? owners : null;
        update.Metadata.Finalizers = live.Metadata.Finalizers;
        return update;
    }

    /// <summary>The live map with the desired entries on top; null when both are empty.</summary>
    public static IDictionary<string, string>? Union(IDictionary<string, string>? live, IDictionary<string, string>? desired)
    {
        if ((live is null || live.Count == 0) && (desired is null || desired.Count == 0))
        {
            return null;
        }

        var result = new Dictionary<string, string>(live ?? new Dictionary<string, string>());
        foreach (var (key, value) in desired ?? new Dictionary<string, string>())
        {
            result[key] = value;
        }

        return result;
    }
}
