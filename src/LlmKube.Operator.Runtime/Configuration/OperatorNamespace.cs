using LlmKube.Contracts;

namespace LlmKube.Operator.Configuration;

/// <summary>The namespace the operator runs in, where it publishes its configuration.</summary>
public static class OperatorNamespace
{
    public const string ServiceAccountFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    /// <summary>
    /// <c>POD_NAMESPACE</c> (the downward API), else the namespace of the mounted service account, else
    /// <paramref name="leaderElectionNamespace"/> (the flag), else <c>llmkube-system</c>.
    /// </summary>
    public static string Resolve(string? leaderElectionNamespace, Func<string, string?>? environment = null, string serviceAccountFile = ServiceAccountFile)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (environment("POD_NAMESPACE") is { Length: > 0 } pod)
        {
            return pod;
        }

        var mounted = File.Exists(serviceAccountFile) ? File.ReadAllText(serviceAccountFile).Trim() : "";
        return mounted.Length > 0 ? mounted
            : leaderElectionNamespace is { Length: > 0 } flag ? flag
            : OperatorConfigMap.DefaultNamespace;
    }
}
