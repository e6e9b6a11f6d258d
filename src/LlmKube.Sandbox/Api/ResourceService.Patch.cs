using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;
using YamlDotNet.Core;

namespace LlmKube.Sandbox.Api;

/// <summary>PATCH: the four patch types and server-side apply.</summary>
internal sealed partial class ResourceService
{
    /// <summary>PATCH with any of the four patch types; apply patches create the object when it is missing.</summary>
    public (StoredObject Object, bool Created) Patch(
        ResourceType type, string ns, string name, string contentType, byte[] body, WriteContext context, Subresource subresource)
    {
        var patchType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        if (patchType == "application/strategic-merge-patch+json" && type.IsCustom)
        {
            throw ApiException.UnsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
        }

        var patch = ParsePatch(patchType, body);
        if (patchType == "application/apply-patch+yaml")
        {
            if (string.IsNullOrEmpty(context.FieldManager))
            {
                throw ApiException.Invalid("meta.k8s.io", "PatchOptions", string.Empty, [FieldError.Required("fieldManager", "is required for apply patch")]);
            }

            return Apply(type, ns, name, patch as JsonObject ?? throw ApiException.BadRequest("apply patch must be an object"), context, subresource);
        }

        for (var attempt = 0; ; attempt++)
        {
            var current = Get(type, ns, name);
            var shaped = Presenter.Object(type, current);
            var patched = patchType switch
            {
                "application/merge-patch+json" => JsonMergePatch.Apply(shaped, patch) as JsonObject,
                "application/json-patch+json" => JsonPatch.Apply(shaped, patch) as JsonObject,
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(
                    shaped, patch as JsonObject ?? throw ApiException.BadRequest("strategic merge patch must be an object"), BuiltinListStrategies.Resolve),
                _ => throw ApiException.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml{(type.IsCustom ? string.Empty : ", application/strategic-merge-patch+json")}"),
            } ?? throw ApiException.BadRequest("the patch did not produce an object");
            var incoming = Presenter.ToStorage(type, patched);
            var meta = JsonUtil.Metadata(incoming);
            var version = JsonUtil.String(meta, "resourceVersion");
            if (!string.IsNullOrEmpty(version) && version != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }

            if (JsonUtil.String(meta, "name") != name)
            {
                throw ApiException.BadRequest($"the name of the object ({JsonUtil.String(meta, "name")}) does not match the name on the URL ({name})");
            }

            var result = Commit(type, current, incoming, context, subresource);
            if (result is not null)
            {
                return (result, false);
            }

            if (attempt >= MaxRetries)
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }
        }
    }

    private (StoredObject, bool) Apply(ResourceType type, string ns, string name, JsonObject applied, WriteContext context, Subresource subresource)
    {
        var appliedName = JsonUtil.String(applied, "metadata", "name");
        if (appliedName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
        }

        if (string.IsNullOrEmpty(JsonUtil.String(applied, "apiVersion")) || string.IsNullOrEmpty(JsonUtil.String(applied, "kind")))
        {
            throw ApiException.BadRequest("invalid object type: apiVersion and kind must be set for an apply patch");
        }

        var sub = subresource == Subresource.Status ? "status" : string.Empty;
        for (var attempt = 0; ; attempt++)
        {
            var current = Find(type, ns, name);
            if (current is null)
            {
                if (subresource != Subresource.None)
                {
                    throw ApiException.NotFound(type.Group, type.Plural, name);
                }

                var created = Create(type, ns, (JsonObject)applied.DeepClone(), context);
                if (!context.DryRun)
                {
                    _applied.Set(created.Uid, context.FieldManager!, sub, applied);
                }

                return (created, true);
            }

            var previous = _applied.Get(current.Uid, context.FieldManager!, sub);
            var merged = ServerSideApply.Apply(Presenter.Object(type, current), applied, previous, ListStrategies(type));
            var incoming = Presenter.ToStorage(type, merged);
            var result = Commit(type, current, incoming, context, subresource);
            if (result is not null)
            {
                if (!context.DryRun)
                {
                    _applied.Set(current.Uid, context.FieldManager!, sub, applied);
                }

                return (result, false);
            }

            if (attempt >= MaxRetries)
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }
        }
    }

    private static ListStrategyResolver ListStrategies(ResourceType type)
    {
        if (!type.IsCustom)
        {
            return BuiltinListStrategies.Resolve;
        }

        var schema = type.Custom!.Schema;
        return path =>
        {
            if (path is ["metadata", ..])
            {
                return BuiltinListStrategies.Resolve(path);
            }

            var node = schema;
            foreach (var segment in path)
            {
                node = JsonUtil.Object(node, "properties", segment) ?? JsonUtil.Object(node, "items", "properties", segment);
                if (node is null)
                {
                    return ListStrategy.Atomic;
                }
            }

            return JsonUtil.String(node, "x-kubernetes-list-type") switch
            {
                "map" => new ListStrategy(ListMerge.ByKeys, JsonUtil.StringList(node?["x-kubernetes-list-map-keys"])),
                "set" => ListStrategy.Set,
                _ => ListStrategy.Atomic,
            };
        };
    }

    private static JsonNode? ParsePatch(string patchType, byte[] body)
    {
        try
        {
            if (patchType == "application/apply-patch+yaml")
            {
                return YamlJson.ParseOne(Encoding.UTF8.GetString(body));
            }

            return JsonUtil.Parse(body);
        }
        catch (Exception e) when (e is JsonException or YamlException)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }
    }
}
