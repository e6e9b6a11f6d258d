namespace LlmKube.ControllerRuntime;

/// <summary>
/// Deep copies of Kubernetes objects. Objects handed out by caches and informers are shared and must not be
/// mutated; a reconciler that wants to change an object copies it first (client-go's <c>DeepCopy</c>).
/// </summary>
public static class ObjectCopy
{
    /// <summary>Returns an independent copy of <paramref name="obj"/> (a JSON round trip with the client's options).</summary>
    public static T DeepCopy<T>(T obj)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(obj);
        return KubernetesJsonNodes.DeepCopy(obj);
    }
}
