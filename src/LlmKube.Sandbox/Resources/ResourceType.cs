using System.Text.Json.Nodes;

namespace LlmKube.Sandbox.Resources;

/// <summary>Where a scale subresource reads and writes replicas (JSON paths like <c>.spec.replicas</c>).</summary>
internal sealed record ScaleSubresource(string SpecReplicasPath, string StatusReplicasPath, string? LabelSelectorPath);

/// <summary>One <c>additionalPrinterColumns</c> entry of a CRD version.</summary>
internal sealed record PrinterColumn(string Name, string Type, string? Format, string JsonPath, string Description, int Priority);

/// <summary>What a CRD version contributes beyond a built-in type: the schema and the printer columns.</summary>
internal sealed record CustomResourceInfo(string CrdName, string CrdUid, JsonObject? Schema, IReadOnlyList<PrinterColumn> Columns);

/// <summary>A served resource in one group/version: everything discovery, routing and storage need to know.</summary>
internal sealed record ResourceType
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    public string ListKind => Kind + "List";

    public bool Namespaced { get; init; } = true;

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public bool StatusSubresource { get; init; }

    public ScaleSubresource? Scale { get; init; }

    /// <summary>Whether <c>metadata.generation</c> is maintained (custom resources, workloads, CRDs).</summary>
    public bool HasGeneration { get; init; }

    /// <summary>
    /// Whether DELETE answers with the deleted object (the API server's <c>ReturnDeletedObject</c>: Pods, Services,
    /// Namespaces, PVCs, PVs, ServiceAccounts, StorageClasses) rather than a Success Status (everything else,
    /// custom resources included).
    /// </summary>
    public bool ReturnDeletedObject { get; init; }

    /// <summary>Whether a DELETE without a propagation policy orphans the dependents (batch/v1 Jobs), instead of Background.</summary>
    public bool OrphansByDefault { get; init; }

    /// <summary>Resources that can only be created (reviews), never stored.</summary>
    public bool CreateOnly { get; init; }

    /// <summary>Storage is shared between group/versions with the same key (CRD versions; core and events.k8s.io Events).</summary>
    public string StorageKey { get; init; } = string.Empty;

    /// <summary>The apiVersion objects are stored in.</summary>
    public string StorageApiVersion { get; init; } = string.Empty;

    public CustomResourceInfo? Custom { get; init; }

    public bool IsCustom => Custom is not null;

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public IReadOnlyList<string> Verbs => CreateOnly
        ? ["create"]
        : ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static ResourceType Builtin(
        string group,
        string version,
        string plural,
        string kind,
        bool namespaced = true,
        string[]? shortNames = null,
        bool status = false,
        bool scale = false,
        bool generation = false,
        bool returnDeleted = false,
        string[]? categories = null)
    {
        var apiVersion = group.Length == 0 ? version : $"{group}/{version}";
        return new ResourceType
        {
            Group = group,
            Version = version,
            Plural = plural,
            Singular = kind.ToLowerInvariant(),
            Kind = kind,
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            StatusSubresource = status,
            Scale = scale ? new ScaleSubresource(".spec.replicas", ".status.replicas", null) : null,
            HasGeneration = generation,
            ReturnDeletedObject = returnDeleted,
            StorageKey = $"{group}/{plural}",
            StorageApiVersion = apiVersion,
        };
    }
}
