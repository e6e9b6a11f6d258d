using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;
using YamlDotNet.Core;

namespace LlmKube.Sandbox.Api;

internal sealed partial class ResourceService
{
    private const int MaxRetries = 16;

    /// <summary>PUT: replaces the object (or only its status on <see cref="Subresource.Status"/>).</summary>
    public StoredObject Update(ResourceType type, string ns, string name, JsonObject body, WriteContext context, Subresource subresource)
    {
        var incoming = Presenter.ToStorage(type, body);
        var meta = JsonUtil.Metadata(incoming);
        var bodyName = JsonUtil.String(meta, "name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        meta["name"] = name;
        CheckNamespace(type, ns, meta);
        var precondition = JsonUtil.String(meta, "resourceVersion");
        for (var attempt = 0; ; attempt++)
        {
            var current = Get(type, ns, name);
            if (!string.IsNullOrEmpty(precondition) && precondition != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }

            var result = Commit(type, current, (JsonObject)incoming.DeepClone(), context, subresource);
            if (result is not null)
            {
                return result;
            }

            if (attempt >= MaxRetries || !string.IsNullOrEmpty(precondition))
            {
                throw ApiException.StaleConflict(type.Group, type.Plural, name);
            }
        }
    }

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

    /// <summary>
    /// Computes the object to store from the current one and the request's version of it, admits it and
    /// swaps it in. Returns null when another write won the race (the caller retries).
    /// </summary>
    private StoredObject? Commit(ResourceType type, StoredObject current, JsonObject incoming, WriteContext context, Subresource subresource)
    {
        if (!context.Internal)
        {
            // Every write path (PUT, each patch type, apply, status): an object cannot be moved to another namespace.
            CheckNamespace(type, current.Namespace, JsonUtil.Metadata(incoming));
        }

        var old = current.Object;
        var next = subresource == Subresource.Status
            ? StatusOnly(current, incoming)
            : context.Internal ? incoming : MainOnly(type, current, incoming);
        var nextMeta = JsonUtil.Metadata(next);
        var oldMeta = JsonUtil.Metadata(current.Clone());
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
        {
            if (oldMeta[field] is { } value)
            {
                nextMeta[field] = value.DeepClone();
            }
            else
            {
                nextMeta.Remove(field);
            }
        }

        nextMeta.Remove("managedFields");
        nextMeta["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        if (!context.Internal)
        {
            _admitter.Admit(type, next, old, context);
            CheckFinalizers(type, current, next);
            CheckClaimResize(type, current, next);
        }

        if (type.HasGeneration && SpecChanged(type, old, next))
        {
            nextMeta["generation"] = (JsonUtil.Long(old, "metadata", "generation") ?? 0) + 1;
        }

        if (JsonNode.DeepEquals(next, old))
        {
            return current;
        }

        if (context.DryRun)
        {
            return new StoredObject(next);
        }

        if (current.IsDeleting && FinalizersOf(type, next).Count == 0)
        {
            var gone = _store.Remove(type, current, next);
            if (gone is not null)
            {
                AfterWrite(type, gone, removed: true);
            }

            return gone;
        }

        var stored = _store.Replace(type, current, next);
        if (stored is not null)
        {
            AfterWrite(type, stored, removed: false);
        }

        return stored;
    }

    private static JsonObject StatusOnly(StoredObject current, JsonObject incoming)
    {
        var next = current.Clone();
        if (incoming["status"] is { } status)
        {
            next["status"] = status.DeepClone();
        }
        else
        {
            next.Remove("status");
        }

        return next;
    }

    private static JsonObject MainOnly(ResourceType type, StoredObject current, JsonObject incoming)
    {
        if (type.StatusSubresource)
        {
            if (current.Object["status"] is { } status)
            {
                incoming["status"] = status.DeepClone();
            }
            else
            {
                incoming.Remove("status");
            }
        }

        return incoming;
    }

    private static bool SpecChanged(ResourceType type, JsonObject old, JsonObject next)
    {
        string[] ignored = type.StatusSubresource || !type.IsCustom ? ["metadata", "status"] : ["metadata"];
        return !JsonNode.DeepEquals(JsonUtil.Without(old, ignored), JsonUtil.Without(next, ignored));
    }

    /// <summary>
    /// The PersistentVolumeClaimResize admission plugin: a claim's request grows only when its StorageClass exists and
    /// sets <c>allowVolumeExpansion: true</c>.
    /// </summary>
    private void CheckClaimResize(ResourceType type, StoredObject current, JsonObject next)
    {
        if (type.IsCustom || type.Kind != "PersistentVolumeClaim" ||
            BuiltinValidation.StorageQuantity(next["spec"] as JsonObject, "resources", "requests") is not { } requested ||
            BuiltinValidation.StorageQuantity(current.Object["spec"] as JsonObject, "resources", "requests") is not { } previous ||
            requested <= previous)
        {
            return;
        }

        var classes = _registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        var className = JsonUtil.String(next, "spec", "storageClassName");
        var storageClass = string.IsNullOrEmpty(className) ? null : _store.Get(classes.StorageKey, string.Empty, className);
        if (storageClass is null || JsonUtil.Bool(storageClass.Object, "allowVolumeExpansion") != true)
        {
            throw ApiException.Forbidden(type.Group, type.Plural, current.Name,
                $"{type.GroupResource} \"{current.Name}\" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
        }
    }

    private static void CheckFinalizers(ResourceType type, StoredObject current, JsonObject next)
    {
        if (!current.IsDeleting)
        {
            return;
        }

        var added = JsonUtil.StringList(next["metadata"]?["finalizers"]).Except(current.Finalizers, StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            var list = string.Join(", ", added.Select(JsonUtil.Quote));
            throw ApiException.Invalid(type.Group, type.Kind, current.Name, [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{list}}}")]);
        }
    }

    /// <summary>Finalizers that keep an object; a Namespace also waits for its <c>spec.finalizers</c>.</summary>
    private static IReadOnlyList<string> FinalizersOf(ResourceType type, JsonObject obj)
    {
        var finalizers = JsonUtil.StringList(obj["metadata"]?["finalizers"]);
        return type.Kind == "Namespace" && !type.IsCustom
            ? finalizers.Concat(JsonUtil.StringList(JsonUtil.At(obj, "spec", "finalizers"))).ToList()
            : finalizers;
    }

    /// <summary>
    /// A controller-side change without admission, to spec and status alike: <paramref name="change"/> edits a
    /// private copy and returns false for "nothing to do". Retries on races; returns the stored result, or null when the object is gone.
    /// </summary>
    public StoredObject? Mutate(ResourceType type, string ns, string name, Func<JsonObject, bool> change)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var current = Find(type, ns, name);
            if (current is null)
            {
                return null;
            }

            var copy = current.Clone();
            if (!change(copy))
            {
                return current;
            }

            var result = Commit(type, current, copy, WriteContext.Controller(), Subresource.None);
            if (result is not null)
            {
                return result;
            }
        }

        throw ApiException.Internal($"too many conflicts updating {type.GroupResource} \"{name}\"");
    }
}
