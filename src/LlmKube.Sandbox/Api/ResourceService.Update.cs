using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Storage;

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
