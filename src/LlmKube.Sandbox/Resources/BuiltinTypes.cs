namespace LlmKube.Sandbox.Resources;

/// <summary>The built-in resources the sandbox serves.</summary>
internal static class BuiltinTypes
{
    public const string EventsStorageKey = "/events";

    public static IReadOnlyList<ResourceType> All { get; } = Create();

    private static List<ResourceType> Create()
    {
        string[] all = ["all"];
        var coreEvents = ResourceType.Builtin(string.Empty, "v1", "events", "Event", shortNames: ["ev"]);
        return
        [
            ResourceType.Builtin(string.Empty, "v1", "namespaces", "Namespace", namespaced: false, shortNames: ["ns"], status: true, returnDeleted: true),
            ResourceType.Builtin(string.Empty, "v1", "configmaps", "ConfigMap", shortNames: ["cm"]),
            ResourceType.Builtin(string.Empty, "v1", "secrets", "Secret"),
            ResourceType.Builtin(string.Empty, "v1", "pods", "Pod", shortNames: ["po"], status: true, returnDeleted: true, categories: all),
            ResourceType.Builtin(string.Empty, "v1", "services", "Service", shortNames: ["svc"], status: true, returnDeleted: true, categories: all),
            coreEvents,
            ResourceType.Builtin(string.Empty, "v1", "persistentvolumeclaims", "PersistentVolumeClaim", shortNames: ["pvc"], status: true, returnDeleted: true),
            ResourceType.Builtin(string.Empty, "v1", "persistentvolumes", "PersistentVolume", namespaced: false, shortNames: ["pv"], status: true, returnDeleted: true),
            ResourceType.Builtin(string.Empty, "v1", "serviceaccounts", "ServiceAccount", shortNames: ["sa"], returnDeleted: true),
            ResourceType.Builtin(string.Empty, "v1", "nodes", "Node", namespaced: false, shortNames: ["no"], status: true),
            ResourceType.Builtin("apps", "v1", "deployments", "Deployment", shortNames: ["deploy"], status: true, scale: true, generation: true, categories: all),
            ResourceType.Builtin("apps", "v1", "replicasets", "ReplicaSet", shortNames: ["rs"], status: true, scale: true, generation: true, categories: all),
            ResourceType.Builtin("batch", "v1", "jobs", "Job", status: true, generation: true, categories: all) with { OrphansByDefault = true },
            ResourceType.Builtin("coordination.k8s.io", "v1", "leases", "Lease"),
            coreEvents with
            {
                Group = "events.k8s.io",
                ShortNames = ["ev"],
            },
            ResourceType.Builtin("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", namespaced: false),
            ResourceType.Builtin("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", namespaced: false),
            ResourceType.Builtin("rbac.authorization.k8s.io", "v1", "roles", "Role"),
            ResourceType.Builtin("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding"),
            ResourceType.Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", namespaced: false, shortNames: ["crd", "crds"], status: true, generation: true),
            ResourceType.Builtin("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced: false, shortNames: ["sc"], returnDeleted: true),
            ResourceType.Builtin("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", namespaced: false) with { CreateOnly = true },
            ResourceType.Builtin("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", namespaced: false) with { CreateOnly = true },
        ];
    }
}
