using k8s.Models;

namespace LlmKube.ControllerRuntime.Tests.Support;

/// <summary>The CustomResourceDefinition of <see cref="Widget"/>: namespaced, structural schema, status subresource.</summary>
public static class WidgetCrd
{
    public const string Name = "widgets.demo.llmkube.dev";

    public static V1CustomResourceDefinition Build() => new()
    {
        ApiVersion = "apiextensions.k8s.io/v1",
        Kind = "CustomResourceDefinition",
        Metadata = new V1ObjectMeta { Name = Name },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "demo.llmkube.dev",
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Singular = "widget", Kind = "Widget", ListKind = "WidgetList" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Subresources = new V1CustomResourceSubresources { Status = new object() },
                    Schema = new V1CustomResourceValidation { OpenAPIV3Schema = Schema() },
                },
            ],
        },
    };

    private static V1JSONSchemaProps Schema() => Object(new()
    {
        ["spec"] = Object(new() { ["size"] = new V1JSONSchemaProps { Type = "integer", Format = "int32", Minimum = 0 } }),
        ["status"] = Object(new()
        {
            ["observedGeneration"] = new V1JSONSchemaProps { Type = "integer", Format = "int64" },
            ["phase"] = new V1JSONSchemaProps { Type = "string" },
            ["conditions"] = new V1JSONSchemaProps
            {
                Type = "array",
                XKubernetesListType = "map",
                XKubernetesListMapKeys = ["type"],
                Items = Condition(),
            },
        }),
    });

    private static V1JSONSchemaProps Condition()
    {
        var condition = Object(new()
        {
            ["type"] = new V1JSONSchemaProps { Type = "string", MinLength = 1 },
            ["status"] = new V1JSONSchemaProps { Type = "string", EnumProperty = ["True", "False", "Unknown"] },
            ["observedGeneration"] = new V1JSONSchemaProps { Type = "integer", Format = "int64" },
            ["lastTransitionTime"] = new V1JSONSchemaProps { Type = "string", Format = "date-time" },
            ["reason"] = new V1JSONSchemaProps { Type = "string" },
            ["message"] = new V1JSONSchemaProps { Type = "string" },
        });
        condition.Required = ["type", "status", "lastTransitionTime", "reason", "message"];
        return condition;
    }

    private static V1JSONSchemaProps Object(Dictionary<string, V1JSONSchemaProps> properties) =>
        new() { Type = "object", Properties = properties };
}
