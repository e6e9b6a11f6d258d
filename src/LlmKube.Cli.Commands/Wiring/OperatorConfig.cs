using System.Net;
using k8s.Autorest;
using LlmKube.Cli.Cluster;
using LlmKube.Contracts;
using LlmKube.Core;
using LlmKube.Core.Configuration;

namespace LlmKube.Cli.Wiring;

/// <summary>
/// The operator's configuration as it published it (<see cref="OperatorConfigMap"/>), or why it is unknown. When it is
/// unknown, wirings are computed with the operator's defaults and say so.
/// </summary>
internal sealed record OperatorConfig(PublishedConfiguration? Published, string? Location, string? Unknown)
{
    public WorkloadSettings Settings => Published?.Settings ?? new WorkloadSettings();

    public string Describe() => Published is { } published
        ? $"{published.Describe()} (published in ConfigMap {Location})"
        : $"unknown: {Unknown}";

    /// <summary>
    /// GET in <paramref name="operatorNamespace"/>; when it is not there or not readable, the labelled ConfigMap of every
    /// namespace, only when there is exactly one: anyone who may create a ConfigMap somewhere can label one, so among
    /// several none is trusted (pass --operator-namespace).
    /// </summary>
    public static async Task<OperatorConfig> ReadAsync(KubeApi api, string operatorNamespace, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        string why;
        try
        {
            if (await api.GetConfigMapAsync(operatorNamespace, OperatorConfigMap.Name, ct).ConfigureAwait(false) is { } found)
            {
                return From(found.Metadata.NamespaceProperty, found.Data);
            }

            why = $"ConfigMap {OperatorConfigMap.Name} not found in namespace {operatorNamespace} (pass --operator-namespace or set {OperatorConfigMap.NamespaceEnvironment} where the operator runs)";
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            why = $"reading ConfigMap {operatorNamespace}/{OperatorConfigMap.Name} is forbidden";
        }

        IReadOnlyList<k8s.Models.V1ConfigMap> published;
        try
        {
            published = await api.ListConfigMapsAsync(OperatorConfigMap.Selector, ct).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new OperatorConfig(null, null, $"{why}, and listing ConfigMaps in all namespaces is forbidden");
        }

        var candidates = published.Where(c => c.Metadata.Name == OperatorConfigMap.Name).ToList();
        return candidates.Count switch
        {
            0 => new OperatorConfig(null, null, $"{why}, and no ConfigMap labelled {OperatorConfigMap.Selector} exists in any namespace"),
            1 => From(candidates[0].Metadata.NamespaceProperty, candidates[0].Data),
            _ => new OperatorConfig(null, null,
                $"{why}, and several namespaces hold one ({string.Join(", ", candidates.Select(c => c.Metadata.NamespaceProperty))}): pass --operator-namespace"),
        };
    }

    private static OperatorConfig From(string ns, IDictionary<string, string>? data)
    {
        var location = $"{ns}/{OperatorConfigMap.Name}";
        return PublishedConfiguration.FromData(data, out var problem) is { } published
            ? new OperatorConfig(published, location, null)
            : new OperatorConfig(null, location, $"ConfigMap {location} is not readable: {problem}");
    }
}
