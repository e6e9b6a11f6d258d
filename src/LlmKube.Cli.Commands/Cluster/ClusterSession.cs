using k8s;
using LlmKube.Cli.Output;
using LlmKube.Contracts;

namespace LlmKube.Cli.Cluster;

/// <summary>One command's connection: the client, the namespace it works in, how to print, where to write.</summary>
internal sealed class ClusterSession : IDisposable
{
    private ClusterSession(IKubernetes client, string server, string ns, bool allNamespaces, OutputFormat format, CliConsole console, string operatorNamespace)
    {
        OperatorNamespace = operatorNamespace;
        Client = client;
        Server = server;
        Namespace = ns;
        AllNamespaces = allNamespaces;
        Format = format;
        Console = console;
        Api = new KubeApi(client);
    }

    public IKubernetes Client { get; }

    public KubeApi Api { get; }

    /// <summary>The API server URL, for messages.</summary>
    public string Server { get; }

    public string Namespace { get; }

    public bool AllNamespaces { get; }

    /// <summary>The namespace to list in: null for every namespace (-A).</summary>
    public string? ListNamespace => AllNamespaces ? null : Namespace;

    public OutputFormat Format { get; }

    /// <summary>Where the operator runs and publishes its configuration: --operator-namespace, else the environment, else the default.</summary>
    public string OperatorNamespace { get; }

    public CliConsole Console { get; }

    /// <summary>
    /// Connects as kubectl would: --kubeconfig, else the first existing file in $KUBECONFIG (not merged), else ~/.kube/config;
    /// the namespace from -n, else the current context's, else <c>default</c>.
    /// </summary>
    public static ClusterSession Open(string? kubeconfig, string? ns, bool allNamespaces, OutputFormat format, CliConsole console, string? operatorNamespace = null)
    {
        var file = KubeconfigFile(kubeconfig);
        KubernetesClientConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(new FileInfo(file));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException or ArgumentException or NullReferenceException)
        {
            throw new CliException(ExitCodes.Cluster, $"cannot use kubeconfig {file}: {e.Message}; fix it or pass another --kubeconfig");
        }

        var effectiveNamespace = !string.IsNullOrEmpty(ns) ? ns : !string.IsNullOrEmpty(config.Namespace) ? config.Namespace : "default";
        var operatorNs = operatorNamespace is { Length: > 0 } given ? given
            : Environment.GetEnvironmentVariable(OperatorConfigMap.NamespaceEnvironment) is { Length: > 0 } configured ? configured
            : OperatorConfigMap.DefaultNamespace;
        return new ClusterSession(new Kubernetes(config), config.Host ?? "(unknown server)", effectiveNamespace, allNamespaces, format, console, operatorNs);
    }

    public void Dispose() => Client.Dispose();

    private static string KubeconfigFile(string? explicitPath)
    {
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath)
                ? explicitPath
                : throw new CliException(ExitCodes.Cluster, $"no kubeconfig at {explicitPath}: pass the path of an existing file to --kubeconfig");
        }

        if (Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } variable)
        {
            var listed = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            return listed.FirstOrDefault(File.Exists) ?? throw new CliException(ExitCodes.Cluster, $"none of the files in KUBECONFIG exist ({variable}): fix KUBECONFIG or pass --kubeconfig");
        }

        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
        return File.Exists(home)
            ? home
            : throw new CliException(ExitCodes.Cluster, $"no kubeconfig: pass --kubeconfig, set KUBECONFIG, or create {home} (for a local try: llmkube sandbox up)");
    }
}
