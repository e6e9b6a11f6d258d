namespace LlmKube.Sandbox;

/// <summary>
/// A Deployment status to set through the control API. Omitted fields default from the object:
/// replicas = spec.replicas, readyReplicas = replicas, availableReplicas = readyReplicas,
/// updatedReplicas = replicas, observedGeneration = metadata.generation. So an empty update means "fully ready".
/// </summary>
public sealed record DeploymentStatusUpdate
{
    public int? Replicas { get; init; }

    public int? ReadyReplicas { get; init; }

    public int? AvailableReplicas { get; init; }

    public int? UpdatedReplicas { get; init; }

    public long? ObservedGeneration { get; init; }
}

/// <summary>How to bind a PVC through the control API.</summary>
public sealed record ClaimBinding
{
    /// <summary>The PV name; default <c>pvc-&lt;claim uid&gt;</c>.</summary>
    public string? VolumeName { get; init; }

    /// <summary>When set, the PV gets node affinity <c>kubernetes.io/hostname In [these]</c>.</summary>
    public IReadOnlyList<string>? NodeHostnames { get; init; }

    /// <summary><c>Bound</c> (default), <c>Pending</c> or <c>Lost</c>.</summary>
    public string Phase { get; init; } = "Bound";

    /// <summary>Create the PV when it does not exist (Bound only).</summary>
    public bool CreateVolume { get; init; } = true;
}

/// <summary>How many API requests of one kind were answered with one status code.</summary>
public sealed record RequestCount(string User, string Verb, string Group, string Resource, string Subresource, string Namespace, int Code, long Count)
{
    public bool IsWrite => Verb is "create" or "update" or "patch" or "delete" or "deletecollection";
}

/// <summary>A snapshot of the request counters with helpers for the usual questions.</summary>
public sealed record RequestCountSnapshot(IReadOnlyList<RequestCount> Entries)
{
    public long Total => Entries.Sum(e => e.Count);

    public long Forbidden => Entries.Where(e => e.Code == 403).Sum(e => e.Count);

    /// <summary>Requests matching every given filter (null matches anything).</summary>
    public long Count(string? verb = null, string? resource = null, string? ns = null, string? user = null, string? subresource = null, int? code = null) =>
        Entries.Where(e =>
                (verb is null || e.Verb == verb) &&
                (resource is null || e.Resource == resource) &&
                (ns is null || e.Namespace == ns) &&
                (user is null || e.User == user) &&
                (subresource is null || e.Subresource == subresource) &&
                (code is null || e.Code == code))
            .Sum(e => e.Count);

    /// <summary>Writes (create, update, patch, delete, deletecollection) matching the filters.</summary>
    public long Writes(string? user = null, string? resource = null, string? ns = null) =>
        Entries.Where(e => e.IsWrite && (user is null || e.User == user) && (resource is null || e.Resource == resource) && (ns is null || e.Namespace == ns))
            .Sum(e => e.Count);
}
