using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace LlmKube.Cli.Catalog;

/// <summary>A model <c>llmkube deploy ID</c> knows: where its weights are and the settings it deploys with.</summary>
internal sealed record CatalogModel(
    string Id,
    string Name,
    string Description,
    string Size,
    string Quantization,
    string Source,
    string? Sha256,
    int ContextSize,
    int GpuLayers,
    CatalogResources Resources,
    string VramEstimate,
    IReadOnlyList<string> UseCases,
    IReadOnlyList<string> Tags,
    string Homepage,
    string? Notes);

/// <summary>Requests of one pod: CPU and memory, and GPU memory when it runs on a GPU.</summary>
internal sealed record CatalogResources(string Cpu, string Memory, string GpuMemory);

/// <summary>The catalog embedded in the CLI (Catalog/catalog.yaml), read once per process.</summary>
internal sealed class ModelCatalog
{
    private const string ResourceName = "LlmKube.Cli.catalog.yaml";

    private static readonly Lazy<ModelCatalog> Embedded = new(() => Parse(ReadEmbedded()));

    private ModelCatalog(string version, IReadOnlyList<CatalogModel> models)
    {
        Version = version;
        Models = models;
    }

    public static ModelCatalog Default => Embedded.Value;

    /// <summary>The upstream catalog version the facts come from.</summary>
    public string Version { get; }

    /// <summary>Sorted by id.</summary>
    public IReadOnlyList<CatalogModel> Models { get; }

    public CatalogModel? Find(string id) => Models.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));

    /// <summary>Why <paramref name="id"/> was not found, with the nearest ids when some are close.</summary>
    public string NotFoundMessage(string id)
    {
        var nearest = Help.TypoHints.Nearest(id, Models.Select(m => m.Id));
        var hint = nearest.Count > 0 ? $"did you mean {string.Join(" or ", nearest)}? " : "";
        return $"'{id}' is not in the catalog: {hint}llmkube catalog list shows every id";
    }

    internal static ModelCatalog Parse(string yaml)
    {
        var file = new DeserializerBuilder().WithNamingConvention(CamelCaseNamingConvention.Instance).Build().Deserialize<CatalogFile>(yaml);
        var models = file.Models.Select(m => new CatalogModel(
                Required(m.Id, "id", "?"), Required(m.Name, "name", m.Id), m.Description ?? "", Required(m.Size, "size", m.Id),
                Required(m.Quantization, "quantization", m.Id), Required(m.Source, "source", m.Id), string.IsNullOrEmpty(m.Sha256) ? null : m.Sha256,
                m.ContextSize ?? throw Missing("contextSize", m.Id), m.GpuLayers ?? throw Missing("gpuLayers", m.Id),
                new CatalogResources(Required(m.Resources?.Cpu, "resources.cpu", m.Id), Required(m.Resources?.Memory, "resources.memory", m.Id), Required(m.Resources?.GpuMemory, "resources.gpuMemory", m.Id)),
                m.VramEstimate ?? "", m.UseCases ?? [], m.Tags ?? [], m.Homepage ?? "", string.IsNullOrEmpty(m.Notes) ? null : m.Notes))
            .OrderBy(m => m.Id, StringComparer.Ordinal)
            .ToList();
        var duplicate = models.GroupBy(m => m.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? new ModelCatalog(file.Version ?? "", models) : throw new InvalidDataException($"catalog: id {duplicate.Key} appears {duplicate.Count()} times");
    }

    private static string ReadEmbedded()
    {
        using var stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the CLI was built without its catalog ({ResourceName})");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Required(string? value, string field, string? id) => string.IsNullOrEmpty(value) ? throw Missing(field, id) : value;

    private static InvalidDataException Missing(string field, string? id) => new($"catalog: model {id ?? "?"} has no {field}");

    // YamlDotNet fills settable properties; the records above are what the rest of the CLI sees.
    private sealed class CatalogFile
    {
        public string? Version { get; set; }

        public List<CatalogEntry> Models { get; set; } = [];
    }

    private sealed class CatalogEntry
    {
        public string? Id { get; set; }

        public string? Name { get; set; }

        public string? Description { get; set; }

        public string? Size { get; set; }

        public string? Quantization { get; set; }

        public string? Source { get; set; }

        public string? Sha256 { get; set; }

        public int? ContextSize { get; set; }

        public int? GpuLayers { get; set; }

        public ResourcesEntry? Resources { get; set; }

        public string? VramEstimate { get; set; }

        public List<string>? UseCases { get; set; }

        public List<string>? Tags { get; set; }

        public string? Homepage { get; set; }

        public string? Notes { get; set; }
    }

    private sealed class ResourcesEntry
    {
        public string? Cpu { get; set; }

        public string? Memory { get; set; }

        public string? GpuMemory { get; set; }
    }
}
