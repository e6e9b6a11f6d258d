using k8s.Models;

namespace LlmKube.Api.Tests;

/// <summary>
/// The rules the API server applies to a CRD schema (apiextensions validation, "structural schema"):
/// no $ref/definitions, one type on every node, properties and additionalProperties exclusive, no
/// uniqueItems, and junctor branches without type/default/description/nullable.
/// </summary>
internal static class StructuralSchemaChecker
{
    public static List<string> Check(V1JSONSchemaProps schema, string path)
    {
        var violations = new List<string>();
        Walk(schema, path, violations, inJunctor: false);
        return violations;
    }

    private static void Walk(V1JSONSchemaProps node, string path, List<string> violations, bool inJunctor)
    {
        if (node.RefProperty is not null)
        {
            violations.Add($"{path}: $ref is forbidden");
        }

        if (node.Definitions is not null || node.Dependencies is not null || node.PatternProperties is not null || node.AdditionalItems is not null)
        {
            violations.Add($"{path}: definitions, dependencies, patternProperties and additionalItems are forbidden");
        }

        if (node.UniqueItems == true)
        {
            violations.Add($"{path}: uniqueItems: true is forbidden");
        }

        if (node.Properties is not null && node.AdditionalProperties is not null)
        {
            violations.Add($"{path}: properties and additionalProperties are mutually exclusive");
        }

        if (inJunctor)
        {
            if (node.Type is not null && !IntOrStringBranch(node) || node.DefaultProperty is not null || node.Description is not null || node.Nullable is not null)
            {
                violations.Add($"{path}: anyOf/allOf/oneOf/not branches may not set type, default, description or nullable");
            }
        }
        else if (string.IsNullOrEmpty(node.Type) && node.XKubernetesIntOrString != true && node.XKubernetesPreserveUnknownFields != true)
        {
            violations.Add($"{path}: every node needs a type");
        }

        if (node.Type == "array" && node.Items is not V1JSONSchemaProps)
        {
            violations.Add($"{path}: arrays need a single items schema");
        }

        foreach (var (name, child) in node.Properties ?? new Dictionary<string, V1JSONSchemaProps>())
        {
            Walk(child, $"{path}.{name}", violations, inJunctor: false);
        }

        if (node.Items is V1JSONSchemaProps items)
        {
            Walk(items, path + "[]", violations, inJunctor: false);
        }

        if (node.AdditionalProperties is V1JSONSchemaProps additional)
        {
            Walk(additional, path + "{}", violations, inJunctor: false);
        }

        foreach (var (junctor, branches) in new[] { ("anyOf", node.AnyOf), ("allOf", node.AllOf), ("oneOf", node.OneOf) })
        {
            foreach (var branch in branches ?? [])
            {
                var before = violations.Count;
                Walk(branch, $"{path}({junctor})", violations, inJunctor: true);
                if (node.XKubernetesIntOrString == true && violations.Count > before)
                {
                    continue;
                }
            }
        }
    }

    // The one exception: x-kubernetes-int-or-string may say anyOf: [{type: integer}, {type: string}].
    private static bool IntOrStringBranch(V1JSONSchemaProps node) => node.Type is "integer" or "string" && node.Properties is null && node.DefaultProperty is null;
}
