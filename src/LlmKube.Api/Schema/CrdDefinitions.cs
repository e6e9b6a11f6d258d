using k8s;
using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;

namespace LlmKube.Api.Schema;

/// <summary>The two CustomResourceDefinitions, generated from the C# types.</summary>
public static class CrdDefinitions
{
    public const string Header =
        "# Generated from the C# types in src/LlmKube.Api (CrdDefinitions). Do not edit by hand:\n" +
        "# run `LLMKUBE_UPDATE_CRDS=1 dotnet test tests/LlmKube.Api.Tests --filter CrdFiles` to regenerate.\n";

    public static IReadOnlyList<V1CustomResourceDefinition> All() => [ForModel(), ForInferenceService()];

    /// <summary>The file name under config/crd/ for a CRD, following kubebuilder's convention.</summary>
    public static string FileName(V1CustomResourceDefinition crd) => $"{crd.Spec.Group}_{crd.Spec.Names.Plural}.yaml";

    public static string ToYaml(V1CustomResourceDefinition crd) => Header + KubernetesYaml.Serialize(crd);

    public static V1CustomResourceDefinition ForModel() => Build(
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

    public static V1CustomResourceDefinition ForInferenceService() => Build(
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
        string kind,
        string plural,
        string shortName,
        Type specType,
        Type statusType,
        V1CustomResourceSubresourceScale? scale,
        IList<V1CustomResourceColumnDefinition> columns)
    {
        var spec = SchemaGenerator.ForType(specType);
        var status = SchemaGenerator.ForType(statusType);
        var root = new V1JSONSchemaProps
        {
            Type = "object",
            Description = $"{kind} of the {ApiGroup.Group} API (compatible with LLMKube {ApiGroup.Version}).",
            Properties = new Dictionary<string, V1JSONSchemaProps>
            {
                ["apiVersion"] = new() { Type = "string" },
                ["kind"] = new() { Type = "string" },
                ["metadata"] = new() { Type = "object" },
                ["spec"] = spec,
                ["status"] = status,
            },
            Required = ["spec"],
        };

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
