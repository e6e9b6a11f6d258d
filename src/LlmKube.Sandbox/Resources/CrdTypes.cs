using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Resources;

/// <summary>Turns a stored CustomResourceDefinition into the resource types it serves (one per served version).</summary>
internal static class CrdTypes
{
    public static IReadOnlyList<ResourceType> From(JsonObject crd)
    {
        var spec = JsonUtil.Object(crd, "spec");
        var names = JsonUtil.Object(spec, "names");
        var group = JsonUtil.String(spec, "group") ?? string.Empty;
        var plural = JsonUtil.String(names, "plural") ?? string.Empty;
        var kind = JsonUtil.String(names, "kind") ?? string.Empty;
        var singular = JsonUtil.String(names, "singular") is { Length: > 0 } s ? s : kind.ToLowerInvariant();
        var versions = JsonUtil.Array(spec, "versions") ?? [];
        var storageVersion = versions.OfType<JsonObject>().FirstOrDefault(v => JsonUtil.Bool(v, "storage") == true) is { } sv
            ? JsonUtil.String(sv, "name") ?? string.Empty
            : string.Empty;
        var crdName = JsonUtil.String(crd, "metadata", "name") ?? string.Empty;
        var crdUid = JsonUtil.String(crd, "metadata", "uid") ?? string.Empty;
        var result = new List<ResourceType>();
        foreach (var version in versions.OfType<JsonObject>())
        {
            if (JsonUtil.Bool(version, "served") != true)
            {
                continue;
            }

            var name = JsonUtil.String(version, "name") ?? string.Empty;
            var subresources = JsonUtil.Object(version, "subresources");
            var scale = JsonUtil.Object(subresources, "scale");
            result.Add(new ResourceType
            {
                Group = group,
                Version = name,
                Plural = plural,
                Singular = singular,
                Kind = kind,
                Namespaced = JsonUtil.String(spec, "scope") != "Cluster",
                ShortNames = JsonUtil.StringList(names?["shortNames"]),
                Categories = JsonUtil.StringList(names?["categories"]),
                StatusSubresource = subresources?["status"] is JsonObject,
                Scale = scale is null
                    ? null
                    : new ScaleSubresource(
                        JsonUtil.String(scale, "specReplicasPath") ?? ".spec.replicas",
                        JsonUtil.String(scale, "statusReplicasPath") ?? ".status.replicas",
                        JsonUtil.String(scale, "labelSelectorPath")),
                HasGeneration = true,
                StorageKey = $"{group}/{plural}",
                StorageApiVersion = $"{group}/{storageVersion}",
                Custom = new CustomResourceInfo(
                    crdName,
                    crdUid,
                    JsonUtil.Object(version, "schema", "openAPIV3Schema"),
                    Columns(JsonUtil.Array(version, "additionalPrinterColumns"))),
            });
        }

        return result;
    }

    private static List<PrinterColumn> Columns(JsonArray? columns)
    {
        var result = new List<PrinterColumn>();
        foreach (var column in (columns ?? []).OfType<JsonObject>())
        {
            result.Add(new PrinterColumn(
                JsonUtil.String(column, "name") ?? string.Empty,
                JsonUtil.String(column, "type") ?? "string",
                JsonUtil.String(column, "format"),
                JsonUtil.String(column, "jsonPath") ?? string.Empty,
                JsonUtil.String(column, "description") ?? string.Empty,
                (int)(JsonUtil.Long(column, "priority") ?? 0)));
        }

        return result;
    }
}
