using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Storage;

namespace LlmKube.Sandbox.Api;

/// <summary>How dependents are treated when their owner is deleted.</summary>
internal enum PropagationPolicy
{
    Background,
    Foreground,
    Orphan,
}

/// <summary>The parts of <c>DeleteOptions</c> the sandbox honours.</summary>
internal sealed record DeleteOptions(PropagationPolicy? Policy, string? PreconditionUid, string? PreconditionResourceVersion)
{
    public static DeleteOptions Default { get; } = new(null, null, null);

    /// <summary>The deprecated <c>orphanDependents</c> as sent (null when absent); only its explicit false changes the answer's code.</summary>
    public bool? OrphanDependents { get; init; }
}

/// <summary>The result of a delete: the last state, and whether the object is gone or only marked for deletion.</summary>
internal sealed record DeleteOutcome(StoredObject Object, bool Removed);

internal sealed partial class ResourceService
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";
    public const string CrdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    public DeleteOutcome Delete(ResourceType type, string ns, string name, DeleteOptions options, WriteContext context)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var current = Get(type, ns, name);
            CheckPreconditions(type, current, options);
            var next = current.Clone();
            var meta = JsonUtil.Metadata(next);
            var finalizers = current.Finalizers.ToList();
            var isNamespace = type.Kind == "Namespace" && !type.IsCustom;
            if (isNamespace)
            {
                if (current.IsDeleting)
                {
                    return new DeleteOutcome(current, false);
                }

                JsonUtil.EnsureObject(next, "status")["phase"] = "Terminating";
            }

            if (type.Kind == "CustomResourceDefinition" && type.Group == "apiextensions.k8s.io" && !finalizers.Contains(CrdCleanupFinalizer))
            {
                finalizers.Add(CrdCleanupFinalizer);
            }

            // Without a policy the kind's default applies: Background, except batch/v1 Jobs, which orphan their pods.
            switch (options.Policy ?? (type.OrphansByDefault ? PropagationPolicy.Orphan : null))
            {
                case PropagationPolicy.Foreground:
                    finalizers.Remove(OrphanFinalizer);
                    AddOnce(finalizers, ForegroundFinalizer);
                    break;
                case PropagationPolicy.Orphan:
                    finalizers.Remove(ForegroundFinalizer);
                    AddOnce(finalizers, OrphanFinalizer);
                    break;
                case PropagationPolicy.Background:
                    finalizers.Remove(ForegroundFinalizer);
                    finalizers.Remove(OrphanFinalizer);
                    break;
            }

            var keep = finalizers.Count > 0 || (isNamespace && JsonUtil.StringList(JsonUtil.At(next, "spec", "finalizers")).Count > 0);
            if (!keep)
            {
                if (context.DryRun)
                {
                    return new DeleteOutcome(current, true);
                }

                var gone = _store.Remove(type, current);
                if (gone is null)
                {
                    continue;
                }

                AfterWrite(type, gone, removed: true);
                return new DeleteOutcome(gone, true);
            }

            if (current.IsDeleting && finalizers.SequenceEqual(current.Finalizers) && !isNamespace)
            {
                return new DeleteOutcome(current, false);
            }

            meta["deletionTimestamp"] ??= Now;
            meta["deletionGracePeriodSeconds"] ??= 0;
            if (finalizers.Count > 0)
            {
                meta["finalizers"] = JsonUtil.ToArray(finalizers);
            }

            if (context.DryRun)
            {
                return new DeleteOutcome(new StoredObject(next), false);
            }

            var marked = _store.Replace(type, current, next);
            if (marked is null)
            {
                continue;
            }

            AfterWrite(type, marked, removed: false);
            return new DeleteOutcome(marked, false);
        }

        throw ApiException.Internal($"too many conflicts deleting {type.GroupResource} \"{name}\"");
    }

    public IReadOnlyList<DeleteOutcome> DeleteCollection(
        ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, DeleteOptions options, WriteContext context)
    {
        var page = List(type, ns, labels, fields, 0, null, null);
        var outcomes = new List<DeleteOutcome>(page.Items.Count);
        foreach (var item in page.Items)
        {
            try
            {
                outcomes.Add(Delete(type, item.Namespace, item.Name, options, context));
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile.
            }
        }

        return outcomes;
    }

    /// <summary>The Status a DELETE answers with when the kind does not return the deleted object.</summary>
    public static JsonObject DeletedStatus(ResourceType type, StoredObject obj)
    {
        var details = new JsonObject { ["name"] = obj.Name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = type.Plural;
        details["uid"] = obj.Uid;
        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    private static void CheckPreconditions(ResourceType type, StoredObject current, DeleteOptions options)
    {
        if (!string.IsNullOrEmpty(options.PreconditionUid) && options.PreconditionUid != current.Uid)
        {
            throw ApiException.Conflict(type.Group, type.Plural, current.Name, $"Precondition failed: UID in precondition: {options.PreconditionUid}, UID in object meta: {current.Uid}");
        }

        var version = current.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(options.PreconditionResourceVersion) && options.PreconditionResourceVersion != version)
        {
            throw ApiException.Conflict(type.Group, type.Plural, current.Name, $"Precondition failed: ResourceVersion in precondition: {options.PreconditionResourceVersion}, ResourceVersion in object meta: {version}");
        }
    }

    private static void AddOnce(List<string> list, string value)
    {
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }
}
