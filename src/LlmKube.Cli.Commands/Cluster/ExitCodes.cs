namespace LlmKube.Cli.Cluster;

/// <summary>
/// Exit codes of the cluster commands (deploy, list, status, delete, scale, cache …), the same for all of them.
/// Documented in the root help and in src/LlmKube.Cli/README.md.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Failed or refused: a service went Failed, an entry is in use, confirmation was declined or is needed (no terminal, no --yes), an object already exists, a cache Job failed.</summary>
    public const int Failed = 1;

    /// <summary>Usage or input error: unknown flag, bad value, contradictory flags, a spec the API would reject.</summary>
    public const int Usage = 2;

    /// <summary>Not found: the named service, model or claim does not exist.</summary>
    public const int NotFound = 3;

    /// <summary>Timed out: --wait, or a cache Job that did not finish within --timeout.</summary>
    public const int Timeout = 4;

    /// <summary>The cluster cannot be reached or refused the request (kubeconfig, connection, authentication, RBAC, server error).</summary>
    public const int Cluster = 5;

    /// <summary>Ctrl-C or SIGTERM.</summary>
    public const int Interrupted = 130;

    /// <summary>Help text shared by the root command and the README.</summary>
    public const string Summary =
        "Exit codes: 0 ok; 1 failed or refused (service Failed, entry in use, confirmation declined or needed, already exists, cache Job failed); " +
        "2 usage or input error; 3 not found; 4 timed out; 5 cluster unreachable or request refused (kubeconfig, RBAC); 70 internal error; 130 interrupted.";
}
