using LlmKube.Cli.Catalog;
using LlmKube.Cli.Cluster;

namespace LlmKube.Cli.Commands.Deploy;

/// <summary>
/// <c>llmkube deploy ID</c> without --source: the catalog's source, sha256, quantization, context size and resources
/// (and, with --gpu, its GPU layers and memory), as upstream's deploy applies them; a flag given explicitly wins.
/// </summary>
internal static class CatalogDefaults
{
    public static DeployRequest Apply(DeployRequest request) => Apply(request, ModelCatalog.Default);

    public static DeployRequest Apply(DeployRequest request, ModelCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(catalog);
        if (!string.IsNullOrEmpty(request.Source))
        {
            return request;
        }

        var model = catalog.Find(request.Name)
            ?? throw CliException.Usage($"{catalog.NotFoundMessage(request.Name)}; no --source was given (pass --source URL to deploy anything else)");
        return request with
        {
            Source = model.Source,
            Sha256 = request.Sha256 ?? model.Sha256,
            ContextSize = request.ContextSize ?? model.ContextSize,
            Cpu = request.Cpu ?? model.Resources.Cpu,
            Memory = request.Memory ?? model.Resources.Memory,
            Quantization = model.Quantization,
            GpuLayers = request.Gpu ? model.GpuLayers : null,
            GpuMemory = request.Gpu ? model.Resources.GpuMemory : null,
            CatalogId = model.Id,
        };
    }
}
