using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Cli.Cluster;

namespace LlmKube.Cli.Wiring;

/// <summary>The Models of the namespaces a command looks at and the operator's configuration, to resolve each service's wiring.</summary>
internal sealed class WiringIndex
{
    private readonly Dictionary<(string, string), Model> _models;

    private WiringIndex(IEnumerable<Model> models, OperatorConfig config)
    {
        _models = models.ToDictionary(m => (m.Metadata.NamespaceProperty, m.Metadata.Name));
        Config = config;
    }

    public OperatorConfig Config { get; }

    public static async Task<WiringIndex> LoadAsync(ClusterSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var models = await session.Api.ListModelsAsync(session.ListNamespace, ct).ConfigureAwait(false);
        return new WiringIndex(models, await OperatorConfig.ReadAsync(session.Api, session.OperatorNamespace, ct).ConfigureAwait(false));
    }

    public static WiringIndex From(IEnumerable<Model> models, OperatorConfig config) => new(models, config);

    public Model? ModelOf(InferenceService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return _models.GetValueOrDefault((service.Metadata.NamespaceProperty, service.Spec.ModelRef));
    }

    public ServiceWiring Resolve(InferenceService service) => ServiceWiring.Resolve(service, ModelOf(service), Config);
}
