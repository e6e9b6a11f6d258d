namespace LlmKube.Contracts;

/// <summary>The <c>app.kubernetes.io</c> labels our objects carry.</summary>
public static class KubernetesLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string Component = "app.kubernetes.io/component";
    public const string ManagedBy = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="Name"/> on everything llmkube creates.</summary>
    public const string Llmkube = "llmkube";
}

/// <summary>
/// The ConfigMap in which the operator publishes its configuration, so the CLI (status, list, cache list) reads the
/// cache mode and the rest instead of guessing them. The operator writes it in its own namespace at start-up (only
/// when it differs); the CLI reads it with GET, falling back to a label-selected list across namespaces.
/// </summary>
public static class OperatorConfigMap
{
    public const string Name = "llmkube-operator-config";

    /// <summary>Where the operator runs when nothing says otherwise, and where the CLI looks first.</summary>
    public const string DefaultNamespace = "llmkube-system";

    /// <summary>The CLI's override of the namespace it reads the ConfigMap from (flag <c>--operator-namespace</c>).</summary>
    public const string NamespaceEnvironment = "LLMKUBE_OPERATOR_NAMESPACE";

    public const string ComponentValue = "operator-config";
    public const string ManagedByValue = "llmkube-operator";

    /// <summary>The label selector that finds the ConfigMap of every operator.</summary>
    public const string Selector = KubernetesLabels.Component + "=" + ComponentValue;

    public static IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string>
    {
        [KubernetesLabels.Name] = KubernetesLabels.Llmkube,
        [KubernetesLabels.Component] = ComponentValue,
        [KubernetesLabels.ManagedBy] = ManagedByValue,
    };

    /// <summary>The data keys; values are strings as the flags take them (an unset storage class or namespace is empty).</summary>
    public static class Keys
    {
        public const string Version = "version";
        public const string ModelCacheEnabled = "modelCacheEnabled";
        public const string ModelCacheMode = "modelCacheMode";
        public const string ModelCacheSize = "modelCacheSize";
        public const string ModelCacheStorageClass = "modelCacheStorageClass";
        public const string ModelCacheAccessMode = "modelCacheAccessMode";
        public const string DefaultFsGroup = "defaultFSGroup";
        public const string FetcherImage = "fetcherImage";
        public const string WatchNamespace = "watchNamespace";
    }
}
