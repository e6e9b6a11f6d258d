using System.Net;
using k8s.Autorest;
using k8s.Models;
using LlmKube.Cli.Cluster;
using LlmKube.Contracts;
using LlmKube.Core;
using LlmKube.Core.Configuration;

namespace LlmKube.Cli.Wiring;

/// <summary>
/// What the operator published in its ConfigMap (<see cref="OperatorConfigMap"/>), or why it is unknown. When the
/// configuration is unknown, wirings are computed with the operator's defaults and say so; <see cref="Data"/> (what
/// <c>version</c> prints) is set whenever the ConfigMap was found, even when its configuration is not readable.
/// </summary>
internal sealed record OperatorConfig(string? Namespace, IReadOnlyDictionary<string, string>? Data, PublishedConfiguration? Published, string? Unknown)
{
    public WorkloadSettings Settings => Published?.Settings ?? new WorkloadSettings();

    public string? Location => Namespace is { } ns ? $"{ns}/{OperatorConfigMap.Name}" : null;

    public string? Version => Data?.GetValueOrDefault(OperatorConfigMap.Keys.Version);

    public string Describe() => Published is { } published
        ? $"{published.Describe()} (published in ConfigMap {Location})"
        : $"unknown: {Unknown}";

    public static OperatorConfig Unreadable(string reason) => new(null, null, null, reason);

    /// <summary>
    /// GET in <paramref name="operatorNamespace"/>; when it is not there or not readable, the labelled ConfigMap of every
    /// namespace, only when there is exactly one: anyone who may create a ConfigMap somewhere can label one, so among
    /// several none is trusted (pass --operator-namespace).
    /// </summary>
    public static async Task<OperatorConfig> ReadAsync(KubeApi api, string operatorNamespace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        string direct;
        try
        {
            if (await api.GetConfigMapAsync(operatorNamespace, OperatorConfigMap.Name, ct).ConfigureAwait(false) is { } found)
            {
                return From(found);
            }

            direct = $"no ConfigMap {OperatorConfigMap.Name} in namespace {operatorNamespace}";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            direct = $"reading ConfigMap {operatorNamespace}/{OperatorConfigMap.Name} is forbidden";
        }

        IReadOnlyList<V1ConfigMap> labelled;
        try
        {
            labelled = await api.ListConfigMapsAsync(OperatorConfigMap.Selector, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return Unreadable($"{direct}, and listing ConfigMaps in all namespaces is forbidden: pass --operator-namespace with the operator's namespace (the chart lets everyone read that one ConfigMap)");
        }

        var candidates = labelled.Where(c => c.Metadata.Name == OperatorConfigMap.Name).OrderBy(c => c.Metadata.NamespaceProperty, StringComparer.Ordinal).ToList();
        return candidates.Count switch
        {
            1 => From(candidates[0]),
            0 => Unreadable($"{direct}, and none labelled {OperatorConfigMap.Selector} in any namespace: is the operator installed (and at least 0.2.0)? " +
                $"If it runs elsewhere, pass --operator-namespace or set {OperatorConfigMap.NamespaceEnvironment}"),
            _ => Unreadable($"{direct}, and {candidates.Count} operators publish one ({string.Join(", ", candidates.Select(c => c.Metadata.NamespaceProperty))}): pick one with --operator-namespace"),
        };
    }

    private static OperatorConfig From(V1ConfigMap map)
    {
        var data = new Dictionary<string, string>(map.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var published = PublishedConfiguration.FromData(data, out var problem);
        return new OperatorConfig(map.Metadata.NamespaceProperty, data, published,
            published is null ? $"ConfigMap {map.Metadata.NamespaceProperty}/{OperatorConfigMap.Name} is not readable: {problem}" : null);
    }
}
