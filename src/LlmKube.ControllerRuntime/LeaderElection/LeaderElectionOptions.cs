namespace LlmKube.ControllerRuntime;

/// <summary>Settings of leader election with a <c>coordination.k8s.io/v1</c> Lease.</summary>
public sealed record LeaderElectionOptions
{
    /// <summary>Whether to elect a leader (operator flag <c>--leader-elect</c>). Off: this process always leads.</summary>
    public bool Enabled { get; init; }

    /// <summary>Name of the Lease.</summary>
    public string LeaseName { get; init; } = "llmkube-operator-leader";

    /// <summary>Namespace of the Lease; required when <see cref="Enabled"/> (the operator passes its own namespace).</summary>
    public string? LeaseNamespace { get; init; }

    /// <summary>This candidate's identity; defaults to <c>{machine}_{random}</c> (unique per process).</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    /// <summary>How long a lease is valid without renewal (non-leaders wait this long). Default 15 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before giving up leadership. Default 10 s.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between acquire/renew attempts. Default 2 s.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// On a graceful stop, hand the lease over by clearing its holder, so another candidate takes over at its next
    /// retry instead of after the lease duration. Default true.
    /// </summary>
    public bool ReleaseOnCancel { get; init; } = true;
}
