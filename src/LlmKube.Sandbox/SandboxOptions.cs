using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox;

/// <summary>How owner-reference garbage collection runs.</summary>
public enum GarbageCollectionMode
{
    /// <summary>Dependents are deleted asynchronously right after their owner (within milliseconds), as on a cluster.</summary>
    Background,

    /// <summary>No garbage collector, no namespace or CRD cleanup: deleted owners leave their dependents behind.</summary>
    Disabled,
}

/// <summary>Everything <see cref="SandboxServer.StartAsync"/> can be told.</summary>
public sealed record SandboxOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// TCP port of the HTTPS endpoint on 127.0.0.1 (self-signed certificate); 0 picks a free one, -1 disables it.
    /// kubectl sends bearer tokens only over TLS, so kubeconfigs written for a user point here.
    /// </summary>
    public int HttpsPort { get; init; }

    /// <summary>The bearer token of the cluster admin (always allowed, exempt from RBAC).</summary>
    public string AdminToken { get; init; } = "sandbox-admin-token";

    public FaultSettings Faults { get; init; } = FaultSettings.None;

    public RbacOptions Rbac { get; init; } = new();

    public SimulationOptions Simulation { get; init; } = new();

    /// <summary>Watch events retained per resource for resuming; older resourceVersions get 410 Expired.</summary>
    public int WatchHistorySize { get; init; } = 10_000;

    /// <summary>How often watches that asked for bookmarks get one (one is also sent right after a watch starts).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    public GarbageCollectionMode GarbageCollection { get; init; } = GarbageCollectionMode.Background;

    /// <summary>The Kubernetes version <c>/version</c> reports.</summary>
    public string KubernetesVersion { get; init; } = "v1.32.0";

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public ILoggerFactory? LoggerFactory { get; init; }
}

/// <summary>Fault injection on the Kubernetes API (never on <c>/sandbox/v1/</c>).</summary>
public sealed record FaultSettings
{
    public static FaultSettings None { get; } = new();

    /// <summary>Share (0..1) of writes (create, update, patch, delete) answered 500 InternalError before anything is written.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Share (0..1) of updates, patches and deletes answered 409 Conflict before anything is written.</summary>
    public double ConflictRate { get; init; }

    /// <summary>Delay added to every API request.</summary>
    public int LatencyMs { get; init; }

    /// <summary>When above 0, every open watch stream is closed this often.</summary>
    public double WatchDropSeconds { get; init; }

    /// <summary>Seed of the random choices, applied whenever these settings are set; null keeps the current generator.</summary>
    public int? Seed { get; init; }

    /// <summary>False: only non-admin users get faults (the admin, e.g. a test's own client, is spared).</summary>
    public bool IncludeAdmin { get; init; } = true;
}

/// <summary>RBAC enforcement for non-admin users.</summary>
public sealed record RbacOptions
{
    /// <summary>
    /// When true, non-admin users are authorised by the RBAC objects stored in the sandbox (a request without a token
    /// is <c>system:anonymous</c>, allowed only what a binding grants it); otherwise everyone may do anything.
    /// </summary>
    public bool Enforce { get; init; }

    /// <summary>YAML files whose ClusterRole, ClusterRoleBinding, Role and RoleBinding documents are created at start.</summary>
    public IReadOnlyList<string> RoleFiles { get; init; } = [];

    /// <summary>A user bound to every role from <see cref="RoleFiles"/> that has no binding there.</summary>
    public string? User { get; init; }
}

/// <summary>Stand-ins for controllers the sandbox does not run (off by default).</summary>
public sealed record SimulationOptions
{
    /// <summary>Bind each new PVC shortly after creation, creating a PV, as a dynamic provisioner would.</summary>
    public bool PvcBinding { get; init; }

    /// <summary>Mark each Deployment ready (status = spec.replicas) shortly after each spec change.</summary>
    public bool Deployments { get; init; }

    /// <summary>
    /// Give each new Job its pod, as the Job controller and the scheduler would: bound to a registered Node that may run
    /// it, else Pending and Unschedulable with a FailedScheduling event (the sandbox runs no containers).
    /// </summary>
    public bool Jobs { get; init; }

    /// <summary>How long "shortly" is.</summary>
    public TimeSpan Delay { get; init; } = TimeSpan.FromMilliseconds(100);
}
