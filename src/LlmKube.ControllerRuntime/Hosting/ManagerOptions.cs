namespace LlmKube.ControllerRuntime;

/// <summary>Settings of a <see cref="Manager"/>.</summary>
public sealed record ManagerOptions
{
    /// <summary>Namespace every informer is scoped to (operator flag <c>--namespace</c>); null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>Port of <c>/healthz</c> and <c>/readyz</c> (<c>--health-port</c>); null: no server; 0: any free port.</summary>
    public int? HealthPort { get; init; }

    /// <summary>Port of <c>/metrics</c> (<c>--metrics-port</c>); null: no server; 0: any free port. May equal <see cref="HealthPort"/>.</summary>
    public int? MetricsPort { get; init; }

    /// <summary>Address the HTTP endpoints bind to. Default any (0.0.0.0), as probes come from the kubelet.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>Defaults for informers created by <see cref="Manager.Informer{T}"/> (namespace is taken from <see cref="Namespace"/>).</summary>
    public InformerOptions Informers { get; init; } = new();

    /// <summary>Leader election.</summary>
    public LeaderElectionOptions LeaderElection { get; init; } = new();

    /// <summary>Event recorder settings.</summary>
    public EventRecorderOptions Events { get; init; } = new();
}
