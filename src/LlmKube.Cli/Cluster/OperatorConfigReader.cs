using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace LlmKube.Cli.Cluster;

/// <summary>
/// Reads the configuration the operator publishes (ConfigMap <see cref="Name"/> in its own namespace, docs/CONTRACTS.md):
/// a GET in the namespace the user names, else the label search in every namespace; when neither works, why not.
/// </summary>
internal static class OperatorConfigReader
{
    public const string Name = "llmkube-operator-config";

    public const string ComponentSelector = "app.kubernetes.io/component=operator-config";

    public const string VersionKey = "version";

    public const string NamespaceVariable = "LLMKUBE_OPERATOR_NAMESPACE";

    public const string DefaultNamespace = "llmkube-system";

    /// <summary>--operator-namespace, else $LLMKUBE_OPERATOR_NAMESPACE, else llmkube-system.</summary>
    public static string NamespaceFrom(string? flag) =>
        !string.IsNullOrEmpty(flag) ? flag
        : Environment.GetEnvironmentVariable(NamespaceVariable) is { Length: > 0 } variable ? variable
        : DefaultNamespace;

    public static async Task<OperatorConfig> ReadAsync(IKubernetes client, string ns, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        string direct;
        try
        {
            var map = await client.CoreV1.ReadNamespacedConfigMapAsync(Name, ns, cancellationToken: ct).ConfigureAwait(false);
            return OperatorConfig.From(map);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden)
        {
            direct = e.Response.StatusCode == HttpStatusCode.NotFound
                ? $"no ConfigMap {Name} in namespace {ns}"
                : $"reading ConfigMap {ns}/{Name} is forbidden";
        }

        try
        {
            var labelled = await client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: ComponentSelector, cancellationToken: ct).ConfigureAwait(false);
            var found = labelled.Items.Where(m => m.Metadata.Name == Name).OrderBy(m => m.Metadata.NamespaceProperty, StringComparer.Ordinal).ToList();
            return found.Count switch
            {
                1 => OperatorConfig.From(found[0]),
                0 => OperatorConfig.Unknown($"{direct}, and none labelled {ComponentSelector} in any namespace: is the operator installed (and at least 0.2.0)? If it runs elsewhere, pass --operator-namespace or set {NamespaceVariable}"),
                _ => OperatorConfig.Unknown($"{direct}, and {found.Count} operators publish one ({string.Join(", ", found.Select(m => m.Metadata.NamespaceProperty))}): pick one with --operator-namespace"),
            };
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return OperatorConfig.Unknown($"{direct}, and listing ConfigMaps in all namespaces is forbidden: pass --operator-namespace with the operator's namespace (the chart lets everyone read that one ConfigMap)");
        }
    }
}

/// <summary>What the operator published, or why it is unknown: exactly one of <see cref="Data"/> and <see cref="UnknownReason"/> is set.</summary>
internal sealed record OperatorConfig
{
    private OperatorConfig(string? ns, IReadOnlyDictionary<string, string>? data, string? unknownReason)
    {
        Namespace = ns;
        Data = data;
        UnknownReason = unknownReason;
    }

    public string? Namespace { get; }

    public IReadOnlyDictionary<string, string>? Data { get; }

    public string? UnknownReason { get; }

    public string? Version => Data is not null && Data.TryGetValue(OperatorConfigReader.VersionKey, out var version) ? version : null;

    public static OperatorConfig From(V1ConfigMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return new OperatorConfig(map.Metadata.NamespaceProperty, new Dictionary<string, string>(map.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal), null);
    }

    public static OperatorConfig Unknown(string reason) => new(null, null, reason);
}
