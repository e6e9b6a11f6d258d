namespace LlmKube.Sandbox.Patching;

/// <summary>How a list merges in strategic merge and apply patches.</summary>
internal enum ListMerge
{
    /// <summary>The patch's list replaces the whole list.</summary>
    Atomic,

    /// <summary>Items are objects matched by <see cref="ListStrategy.Keys"/>.</summary>
    ByKeys,

    /// <summary>A list of scalars merged as a set (finalizers).</summary>
    Set,
}

internal sealed record ListStrategy(ListMerge Merge, IReadOnlyList<string> Keys)
{
    public static ListStrategy Atomic { get; } = new(ListMerge.Atomic, []);

    public static ListStrategy Set { get; } = new(ListMerge.Set, []);

    public static ListStrategy By(params string[] keys) => new(ListMerge.ByKeys, keys);
}

/// <summary>Decides the strategy of the list at a path of field names (no indices), e.g. <c>spec.template.spec.containers</c>.</summary>
internal delegate ListStrategy ListStrategyResolver(IReadOnlyList<string> path);

/// <summary>
/// The patch strategies of the built-in kinds the operator writes (Deployment, Service, Pod, PVC, ConfigMap,
/// Secret, Job), from the Kubernetes Go types' <c>patchMergeKey</c> tags. Lists not named here are atomic.
/// </summary>
internal static class BuiltinListStrategies
{
    private static readonly string[] ContainerLists = ["containers", "initContainers", "ephemeralContainers"];

    public static ListStrategy Resolve(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return ListStrategy.Atomic;
        }

        var field = path[^1];
        var parent = path.Count > 1 ? path[^2] : string.Empty;
        return field switch
        {
            "containers" or "initContainers" or "ephemeralContainers" => ListStrategy.By("name"),
            "volumes" or "env" or "imagePullSecrets" or "resourceClaims" or "secrets" => ListStrategy.By("name"),
            "volumeMounts" => ListStrategy.By("mountPath"),
            "volumeDevices" => ListStrategy.By("devicePath"),
            "hostAliases" => ListStrategy.By("ip"),
            "topologySpreadConstraints" => ListStrategy.By("topologyKey"),
            "conditions" => ListStrategy.By("type"),
            "ownerReferences" => ListStrategy.By("uid"),
            "finalizers" when parent == "metadata" => ListStrategy.Set,
            "ports" when ContainerLists.Contains(parent) => ListStrategy.By("containerPort"),
            "ports" when parent == "spec" => ListStrategy.By("port"),
            _ => ListStrategy.Atomic,
        };
    }
}
