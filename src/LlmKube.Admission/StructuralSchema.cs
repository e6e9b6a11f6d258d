using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Admission.Json;

namespace LlmKube.Admission;

/// <summary>
/// Pruning and defaulting of a custom resource against its CRD's structural <c>openAPIV3Schema</c>, in the
/// API server's order: unknown fields are pruned (and reported, for <c>fieldValidation=Strict|Warn</c>),
/// then nulls of non-nullable fields without a default are dropped and defaults are applied.
/// </summary>
public static class StructuralSchema
{
    private static readonly HashSet<string> ObjectMetaFields = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    };

    public static string? Type(JsonObject schema) => JsonUtil.String(schema, "type");

    public static bool Preserves(JsonObject schema) => JsonUtil.Bool(schema, "x-kubernetes-preserve-unknown-fields") == true;

    public static bool IntOrString(JsonObject schema) => JsonUtil.Bool(schema, "x-kubernetes-int-or-string") == true;

    public static bool Nullable(JsonObject schema) => JsonUtil.Bool(schema, "nullable") == true;

    public static bool Embedded(JsonObject schema) => JsonUtil.Bool(schema, "x-kubernetes-embedded-resource") == true;

    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Index(string path, int index) => string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");

    /// <summary>Removes fields the schema does not declare; their paths are added to <paramref name="unknown"/>.</summary>
    public static void PruneRoot(JsonObject obj, JsonObject? schema, List<string> unknown)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            PruneMetadata(meta, "metadata", unknown);
        }

        if (schema is null)
        {
            return;
        }

        PruneObject(obj, schema, string.Empty, unknown, keep: ["apiVersion", "kind", "metadata"]);
    }

    private static void PruneMetadata(JsonObject meta, string path, List<string> unknown)
    {
        foreach (var key in meta.Select(p => p.Key).ToList())
        {
            if (!ObjectMetaFields.Contains(key))
            {
                unknown.Add(Child(path, key));
                meta.Remove(key);
            }
        }
    }

    private static void Prune(JsonNode? node, JsonObject? schema, string path, List<string> unknown)
    {
        if (schema is null || node is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                PruneObject(obj, schema, path, unknown, Embedded(schema) ? ["apiVersion", "kind", "metadata"] : []);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Prune(array[i], items, Index(path, i), unknown);
                }

                break;
        }
    }

    private static void PruneObject(JsonObject obj, JsonObject schema, string path, List<string> unknown, string[] keep)
    {
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        var preserve = Preserves(schema) || additional is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True;
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (keep.Contains(key))
            {
                if (key == "metadata" && keep.Length > 0 && path.Length > 0 && obj[key] is JsonObject embeddedMeta)
                {
                    PruneMetadata(embeddedMeta, Child(path, key), unknown);
                }

                continue;
            }

            if (properties?[key] is JsonObject propertySchema)
            {
                Prune(obj[key], propertySchema, Child(path, key), unknown);
            }
            else if (additional is JsonObject additionalSchema)
            {
                Prune(obj[key], additionalSchema, Child(path, key), unknown);
            }
            else if (!preserve)
            {
                unknown.Add(Child(path, key));
                obj.Remove(key);
            }
        }
    }

    /// <summary>Applies <c>default</c>s where a field is absent (or null and not nullable), recursively.</summary>
    public static void Default(JsonNode? node, JsonObject? schema)
    {
        if (schema is null || node is null)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (schema["properties"] is JsonObject properties)
                {
                    foreach (var (name, propertyNode) in properties)
                    {
                        if (propertyNode is not JsonObject propertySchema)
                        {
                            continue;
                        }

                        var present = obj.TryGetPropertyValue(name, out var value);
                        if (present && value is null && !Nullable(propertySchema))
                        {
                            obj.Remove(name);
                            present = false;
                        }

                        if (!present && propertySchema.TryGetPropertyValue("default", out var defaultValue))
                        {
                            obj[name] = defaultValue?.DeepClone();
                        }

                        Default(obj[name], propertySchema);
                    }
                }

                if (schema["additionalProperties"] is JsonObject additional)
                {
                    foreach (var (_, value) in obj)
                    {
                        Default(value, additional);
                    }
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    Default(item, items);
                }

                break;
        }
    }
}
