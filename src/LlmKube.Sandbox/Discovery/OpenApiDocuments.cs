using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Resources;

namespace LlmKube.Sandbox.Discovery;

/// <summary>
/// OpenAPI v3, per group/version: one path per kind whose <c>patch</c> operation names the kind
/// (<c>x-kubernetes-group-version-kind</c>) and declares the <c>fieldValidation</c> parameter, which is what kubectl looks
/// for to leave validation to the server; and, for custom resources, the kind's schema in <c>components.schemas</c> as the
/// API server publishes it (the CRD's <c>openAPIV3Schema</c> with the standard apiVersion, kind and metadata), which is what
/// <c>kubectl explain</c> reads. Built-in kinds get no schema.
/// </summary>
internal static class OpenApiDocuments
{
    private const string ObjectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    // The API server's own descriptions of the type-meta fields (k8s.io/apimachinery TypeMeta and ObjectMeta).
    private const string ApiVersionDescription =
        "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";

    private const string KindDescription =
        "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";

    private const string MetadataDescription =
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

    private const string ObjectMetaDescription =
        "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.";

    public static JsonObject Root(IReadOnlyList<ResourceType> all, long generation)
    {
        var hash = generation.ToString("X16", CultureInfo.InvariantCulture);
        var paths = new JsonObject();
        foreach (var groupVersion in all.Select(t => (t.Group, t.Version)).Distinct())
        {
            var key = groupVersion.Group.Length == 0 ? $"api/{groupVersion.Version}" : $"apis/{groupVersion.Group}/{groupVersion.Version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    public static JsonObject? GroupVersion(IReadOnlyList<ResourceType> all, string group, string version, string serverVersion)
    {
        var types = all.Where(t => t.Group == group && t.Version == version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in types)
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var path = type.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{type.Plural}/{{name}}" : $"{prefix}/{type.Plural}/{{name}}";
            var parameters = new JsonArray(
                new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } });
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{type.Kind}",
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = Gvk(type),
                    ["parameters"] = parameters,
                    ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
                },
            };
            if (type.Custom?.Schema is { } schema)
            {
                schemas[SchemaName(type)] = CustomResourceSchema(type, schema);
            }
        }

        if (schemas.Count > 0)
        {
            schemas[ObjectMetaName] = new JsonObject { ["description"] = ObjectMetaDescription, ["type"] = "object" };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (llmkube sandbox)", ["version"] = serverVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject Gvk(ResourceType type) => new() { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };

    /// <summary>The API server's name for a custom resource's schema: the group reversed, then version and kind (dev.llmkube.inference.v1alpha1.Model).</summary>
    private static string SchemaName(ResourceType type) =>
        string.Join('.', type.Group.Split('.').Reverse().Append(type.Version).Append(type.Kind));

    private static JsonObject CustomResourceSchema(ResourceType type, JsonObject crdSchema)
    {
        var schema = (JsonObject)crdSchema.DeepClone();
        var properties = schema["properties"] as JsonObject ?? new JsonObject();
        schema["properties"] = properties;
        properties["apiVersion"] = new JsonObject { ["description"] = ApiVersionDescription, ["type"] = "string" };
        properties["kind"] = new JsonObject { ["description"] = KindDescription, ["type"] = "string" };
        properties["metadata"] = new JsonObject
        {
            ["description"] = MetadataDescription,
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = $"#/components/schemas/{ObjectMetaName}" }),
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type));
        return schema;
    }
}
