using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;
using LlmKube.Core.Builders;

namespace LlmKube.Cli.Wiring;

/// <summary>Models and operator-created cache claims of the namespaces a command looks at, to resolve each service's wiring.</summary>
internal sealed class WiringIndex
{
    private readonly Dictionary<(string, string), Model> _models;
    private readonly List<V1PersistentVolumeClaim> _claims;

    private WiringIndex(IEnumerable<Model> models, IEnumerable<V1PersistentVolumeClaim> claims)
    {
        _models = models.ToDictionary(m => (m.Metadata.NamespaceProperty, m.Metadata.Name));
        _claims = claims.ToList();
    }

    public static async Task<WiringIndex> LoadAsync(KubeApi api, string? ns, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        var models = await api.ListModelsAsync(ns, ct).ConfigureAwait(false);
        IReadOnlyList<V1PersistentVolumeClaim> claims;
        try
        {
            claims = await api.ListClaimsAsync(ns, $"{ObjectLabels.ComponentLabel}={ObjectLabels.CacheComponent}", ct).ConfigureAwait(false);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Forbidden)
        {
            // Only needed to tell perService claims apart before the operator reports; without it, shared is assumed.
            claims = [];
        }

        return new WiringIndex(models, claims);
    }

    public static WiringIndex From(IEnumerable<Model> models, IEnumerable<V1PersistentVolumeClaim> claims) => new(models, claims);

    public Model? ModelOf(InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return _models.GetValueOrDefault((service.Metadata.NamespaceProperty, service.Spec.ModelRef));
    }

    public ServiceWiring Resolve(InferenceService service) =>
        ServiceWiring.Resolve(service, ModelOf(service), _claims.Any(c => ServiceWiring.IsPerServiceClaimOf(c, service)));
}
