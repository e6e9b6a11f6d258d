using System.Text.Json.Nodes;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Admission;

/// <summary>Validation of CustomResourceDefinition objects and the status the API server gives an accepted one.</summary>
internal static class CrdValidation
{
    private static readonly string[] ColumnTypes = ["integer", "number", "string", "boolean", "date"];

    public static void Validate(JsonObject crd, CelRules cel, List<FieldError> errors)
    {
        var spec = JsonUtil.Object(crd, "spec");
        var group = JsonUtil.String(spec, "group") ?? string.Empty;
        var plural = JsonUtil.String(spec, "names", "plural") ?? string.Empty;
        var name = JsonUtil.String(crd, "metadata", "name") ?? string.Empty;
        if (group.Length == 0)
        {
            errors.Add(FieldError.Required("spec.group"));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            errors.Add(FieldError.Invalid("spec.group", JsonUtil.Quote(group), "should be a domain with at least one dot"));
        }

        foreach (var field in new[] { "plural", "kind" })
        {
            if (string.IsNullOrEmpty(JsonUtil.String(spec, "names", field)))
            {
                errors.Add(FieldError.Required($"spec.names.{field}"));
            }
        }

        if (name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", JsonUtil.Quote(name), "must be spec.names.plural+\".\"+spec.group"));
        }

        var scope = JsonUtil.String(spec, "scope");
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(scope is null
                ? FieldError.Required("spec.scope")
                : FieldError.NotSupported("spec.scope", JsonUtil.Quote(scope), ["\"Cluster\"", "\"Namespaced\""]));
        }

        var versions = JsonUtil.Array(spec, "versions");
        if (versions is not { Count: > 0 })
        {
            errors.Add(FieldError.Invalid("spec.versions", "null", "must have exactly one version marked as storage version"));
            return;
        }

        if (versions.Count(v => JsonUtil.Bool(v, "storage") == true) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", "\"array\"", "must have exactly one version marked as storage version"));
        }

        for (var i = 0; i < versions.Count; i++)
        {
            var path = $"spec.versions[{i}]";
            var schema = JsonUtil.Object(versions[i], "schema", "openAPIV3Schema");
            if (schema is null)
            {
                errors.Add(FieldError.Required($"{path}.schema.openAPIV3Schema", "schemas are required"));
            }
            else
            {
                if (StructuralSchema.Type(schema) != "object")
                {
                    errors.Add(FieldError.Invalid($"{path}.schema.openAPIV3Schema.type", JsonUtil.Quote(StructuralSchema.Type(schema) ?? string.Empty), "must be object at the root"));
                }

                Walk(schema, $"{path}.schema.openAPIV3Schema", cel, errors);
            }

            var columns = JsonUtil.Array(versions[i], "additionalPrinterColumns") ?? [];
            for (var c = 0; c < columns.Count; c++)
            {
                var columnPath = $"{path}.additionalPrinterColumns[{c}]";
                if (string.IsNullOrEmpty(JsonUtil.String(columns[c], "jsonPath")))
                {
                    errors.Add(FieldError.Required($"{columnPath}.jsonPath"));
                }

                var type = JsonUtil.String(columns[c], "type") ?? string.Empty;
                if (!ColumnTypes.Contains(type))
                {
                    errors.Add(FieldError.NotSupported($"{columnPath}.type", JsonUtil.Quote(type), ColumnTypes.Select(JsonUtil.Quote)));
                }
            }
        }
    }

    private static void Walk(JsonObject schema, string path, CelRules cel, List<FieldError> errors)
    {
        if (schema["properties"] is JsonObject && schema["additionalProperties"] is not null)
        {
            errors.Add(FieldError.Forbidden($"{path}.additionalProperties", "additionalProperties and properties are mutual exclusive"));
        }

        if (schema["x-kubernetes-validations"] is JsonArray rules)
        {
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = JsonUtil.String(rules[i], "rule");
                if (string.IsNullOrWhiteSpace(rule))
                {
                    errors.Add(FieldError.Required($"{path}.x-kubernetes-validations[{i}].rule"));
                }
                else if (cel.CompileError(rule) is { } compileError)
                {
                    errors.Add(FieldError.Invalid($"{path}.x-kubernetes-validations[{i}].rule", JsonUtil.Quote(rule), $"compilation failed: {compileError}"));
                }
            }
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is not JsonObject childSchema)
                {
                    continue;
                }

                var childPath = $"{path}.properties[{name}]";
                if (StructuralSchema.Type(childSchema) is null && !StructuralSchema.Preserves(childSchema) && !StructuralSchema.IntOrString(childSchema))
                {
                    errors.Add(FieldError.Required($"{childPath}.type", "must not be empty for specified object fields"));
                }

                Walk(childSchema, childPath, cel, errors);
            }
        }

        if (schema["items"] is JsonObject items)
        {
            Walk(items, $"{path}.items", cel, errors);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            Walk(additional, $"{path}.additionalProperties", cel, errors);
        }
    }

    /// <summary>The status of an accepted, established CRD.</summary>
    public static JsonObject AcceptedStatus(JsonObject crd, string now)
    {
        var spec = JsonUtil.Object(crd, "spec");
        var names = JsonUtil.Object(spec, "names")?.DeepClone() as JsonObject ?? new JsonObject();
        var kind = JsonUtil.String(names, "kind") ?? string.Empty;
        names["singular"] ??= kind.ToLowerInvariant();
        names["listKind"] ??= kind + "List";
        var storage = (JsonUtil.Array(spec, "versions") ?? []).OfType<JsonObject>()
            .Where(v => JsonUtil.Bool(v, "storage") == true)
            .Select(v => JsonUtil.String(v, "name"))
            .FirstOrDefault() ?? string.Empty;
        return new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };
}
