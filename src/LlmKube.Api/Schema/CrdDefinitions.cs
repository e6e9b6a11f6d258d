using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;

namespace LlmKube.Api.Schema;

/// <summary>
/// The two CustomResourceDefinitions. <see cref="Generate"/> builds them from the C# types and their doc comments
/// (descriptions); the result is checked in as config/crd/ (tests/LlmKube.Api.Tests fails when it is stale) and
/// embedded in this assembly, and <see cref="All"/> returns that shipped copy, so every process (the sandbox's
/// <c>up</c>, <c>render</c>, tests) installs exactly the checked files, descriptions included, without needing the
/// XML documentation at run time.
/// </summary>
public static class CrdDefinitions
{
    public const string Header =
        "# Generated from the C# types in src/LlmKube.Api (CrdDefinitions). Do not edit by hand:\n" +
        "# run `LLMKUBE_UPDATE_CRDS=1 dotnet test tests/LlmKube.Api.Tests --filter CrdFiles` to regenerate.\n";

    private static readonly Type[] Kinds = [typeof(Model), typeof(InferenceService)];

    /// <summary>The shipped CRDs (config/crd/, embedded at build time), Model first. Each call returns new objects.</summary>
    public static IReadOnlyList<V1CustomResourceDefinition> All() =>
        Kinds.Select(kind => KubernetesYaml.Deserialize<V1CustomResourceDefinition>(Embedded(kind))).ToList();

    /// <summary>Builds both CRDs from the C# types, with the descriptions <paramref name="documentation"/> holds.</summary>
    public static IReadOnlyList<V1CustomResourceDefinition> Generate(XmlDocumentation documentation) =>
        [GenerateModel(documentation), GenerateInferenceService(documentation)];

    /// <summary>The file name under config/crd/ for a CRD, following kubebuilder's convention.</summary>
    public static string FileName(V1CustomResourceDefinition crd) => $"{crd.Spec.Group}_{crd.Spec.Names.Plural}.yaml";

    public static string ToYaml(V1CustomResourceDefinition crd) => Header + KubernetesYaml.Serialize(crd);

    private static string Embedded(Type kind)
    {
        var plural = (string)kind.GetField("Plural")!.GetValue(null)!;
        var name = $"crd/{ApiGroup.Group}_{plural}.yaml";
        using var stream = typeof(CrdDefinitions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the CRD {name} is not embedded in LlmKube.Api (config/crd/ missing at build time?)");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static V1CustomResourceDefinition GenerateModel(XmlDocumentation documentation) => Build(
        documentation,
        typeof(Model),
        Model.KindName,
        Model.Plural,
        shortName: "mdl",
        specType: typeof(ModelSpec),
        statusType: typeof(ModelStatus),
        scale: null,
        columns:
        [
            Column("Phase", "string", ".status.phase"),
            Column("Size", "string", ".status.size"),
            Column("Accelerator", "string", ".spec.hardware.accelerator"),
            Column("Cache Key", "string", ".status.cacheKey", priority: 1),
            Column("Arch", "string", ".status.gguf.architecture", priority: 1),
            Column("Age", "date", ".metadata.creationTimestamp"),
        ]);

    private static V1CustomResourceDefinition GenerateInferenceService(XmlDocumentation documentation) => Build(
        documentation,
        typeof(InferenceService),
        InferenceService.KindName,
        InferenceService.Plural,
        shortName: "isvc",
        specType: typeof(InferenceServiceSpec),
        statusType: typeof(InferenceServiceStatus),
        scale: new V1CustomResourceSubresourceScale { SpecReplicasPath = ".spec.replicas", StatusReplicasPath = ".status.replicas" },
        columns:
        [
            Column("Phase", "string", ".status.phase"),
            Column("Model", "string", ".spec.modelRef"),
            Column("Replicas", "string", ".status.readyReplicas"),
            Column("Cache", "string", ".status.modelCache.volume"),
            Column("Claim", "string", ".status.modelCache.claimName", priority: 1),
            Column("Reason", "string", ".status.schedulingStatus", priority: 1),
            Column("Queue", "integer", ".status.queuePosition", priority: 1),
            Column("Priority", "string", ".spec.priority", priority: 1),
            Column("Endpoint", "string", ".status.endpoint"),
            Column("Age", "date", ".metadata.creationTimestamp"),
        ]);

    private static V1CustomResourceDefinition Build(
        XmlDocumentation documentation,
        Type resourceType,
        string kind,
        string plural,
        string shortName,
        Type specType,
        Type statusType,
        V1CustomResourceSubresourceScale? scale,
        IList<V1CustomResourceColumnDefinition> columns)
    {
        // apiVersion, kind, metadata, spec and status as CustomResource declares them; spec and status are described by
        // their own types (the envelope's properties are shared by both kinds).
        var root = SchemaGenerator.ForType(resourceType, documentation);
        root.Description = documentation.Describe(resourceType);
        root.Properties["spec"].Description = documentation.Describe(specType);
        root.Properties["status"].Description = documentation.Describe(statusType);
        root.Required = ["spec"];

        return new V1CustomResourceDefinition
        {
            ApiVersion = "apiextensions.k8s.io/v1",
            Kind = "CustomResourceDefinition",
            Metadata = new V1ObjectMeta
            {
                Name = $"{plural}.{ApiGroup.Group}",
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "llmkube" },
            },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = ApiGroup.Group,
                Scope = "Namespaced",
                Names = new V1CustomResourceDefinitionNames
                {
                    Kind = kind,
                    ListKind = kind + "List",
                    Plural = plural,
                    Singular = kind.ToLowerInvariant(),
                    ShortNames = [shortName],
                    Categories = ["llmkube"],
                },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = ApiGroup.Version,
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = root },
                        Subresources = new V1CustomResourceSubresources { Status = new Dictionary<string, object>(), Scale = scale },
                        AdditionalPrinterColumns = columns,
                    },
                ],
            },
        };
    }

    private static V1CustomResourceColumnDefinition Column(string name, string type, string jsonPath, int? priority = null) =>
        new() { Name = name, Type = type, JsonPath = jsonPath, Priority = priority };
}
