namespace LlmKube.Operator.Configuration;

/// <summary>A namespace and where it came from (for the start-up log and error messages).</summary>
public sealed record ResolvedNamespace(string Name, string Source);

/// <summary>
/// The operator's own namespace, decided once (src/LlmKube.Operator/README.md): <c>POD_NAMESPACE</c> (the chart sets it from
/// the downward API), else the service account's namespace file, else <c>--leader-election-namespace</c>, else
/// <c>llmkube-system</c>. The leader Lease lives there unless <c>--leader-election-namespace</c> names another one,
/// and the operator publishes its configuration there (<see cref="Hosting.ConfigurationPublisher"/>).
/// </summary>
public static class OperatorNamespace
{
    public const string PodNamespaceVariable = "POD_NAMESPACE";
    public const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
    public const string Default = LlmKube.Contracts.OperatorConfigMap.DefaultNamespace;

    /// <summary>The rule, over explicit inputs (blank counts as absent).</summary>
    public static ResolvedNamespace Resolve(string? podNamespace, string? serviceAccountNamespace, string? leaderElectionNamespace) =>
        podNamespace?.Trim() is { Length: > 0 } pod ? new(pod, PodNamespaceVariable)
        : serviceAccountNamespace?.Trim() is { Length: > 0 } sa ? new(sa, ServiceAccountNamespaceFile)
        : leaderElectionNamespace?.Trim() is { Length: > 0 } flag ? new(flag, "--leader-election-namespace")
        : new(Default, "the default: no POD_NAMESPACE, no service account namespace file, no --leader-election-namespace");

    /// <summary>The rule, over this process's environment and files.</summary>
    public static ResolvedNamespace Resolve(string? leaderElectionNamespace) =>
        Resolve(Environment.GetEnvironmentVariable(PodNamespaceVariable), ReadServiceAccountNamespace(), leaderElectionNamespace);

    /// <summary>The Lease's namespace: <c>--leader-election-namespace</c> when given (an explicit choice wins), else
    /// the operator's own namespace.</summary>
    public static ResolvedNamespace ForLease(string? leaderElectionNamespace) =>
        leaderElectionNamespace?.Trim() is { Length: > 0 } flag ? new(flag, "--leader-election-namespace") : Resolve(null);

    private static string? ReadServiceAccountNamespace()
    {
        try
        {
            return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
