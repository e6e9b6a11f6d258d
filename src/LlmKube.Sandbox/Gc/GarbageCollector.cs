using System.Text.Json.Nodes;
using System.Threading.Channels;
using LlmKube.Sandbox.Api;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Storage;
using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox.Gc;

/// <summary>
/// The controllers that finish deletions, driven by the store's change feed (asynchronously, like the
/// real kube-controller-manager, but within milliseconds): owner-reference garbage collection (background,
/// foreground with <c>blockOwnerDeletion</c>, orphan), dangling dependents, namespace termination, and
/// removal of a CRD's objects before the CRD goes away.
/// </summary>
internal sealed class GarbageCollector
{
    private readonly ResourceService _service;
    private readonly ILogger _logger;
    private readonly Channel<WatchEvent> _changes = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });

    public GarbageCollector(ResourceService service, ILogger logger)
    {
        _service = service;
        _logger = logger;
        service.Store.AddListener(_changes.Writer);
    }

    private ObjectStore Store => _service.Store;

    private ResourceRegistry Registry => _service.Registry;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _changes.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_changes.Reader.TryRead(out var change))
                {
                    try
                    {
                        Handle(change);
                    }
                    catch (ApiException e)
                    {
                        _logger.LogDebug("Garbage collection step for {Key} {Name} ended with {Code} {Reason}", change.StorageKey, change.Object.Name, e.Code, e.Reason);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private void Handle(WatchEvent change)
    {
        var obj = change.Object;
        if (change.Type == WatchEventType.Deleted)
        {
            foreach (var (key, dependent) in Store.Dependents(obj.Uid))
            {
                OwnerGone(key, dependent, obj.Uid);
            }

            foreach (var owner in obj.Owners)
            {
                if (Store.GetByUid(owner.Uid) is { } found && found.Obj.IsDeleting && found.Obj.Finalizers.Contains(ResourceService.ForegroundFinalizer))
                {
                    Foreground(found.Key, found.Obj);
                }
            }

            if (obj.Namespace.Length > 0)
            {
                CheckNamespace(obj.Namespace);
            }

            if (Registry.ForStorage(change.StorageKey) is { Custom: { } custom })
            {
                CheckCrd(custom.CrdName);
            }

            return;
        }

        if (change.Type == WatchEventType.Added && obj.Owners.Count > 0 && obj.Owners.All(o => Store.GetByUid(o.Uid) is null))
        {
            _logger.LogDebug("Deleting {Key} {Namespace}/{Name}: none of its owners exists", change.StorageKey, obj.Namespace, obj.Name);
            Delete(change.StorageKey, obj, PropagationPolicy.Background);
            return;
        }

        if (!obj.IsDeleting)
        {
            return;
        }

        if (obj.Finalizers.Contains(ResourceService.ForegroundFinalizer))
        {
            Foreground(change.StorageKey, obj);
        }

        if (obj.Finalizers.Contains(ResourceService.OrphanFinalizer))
        {
            Orphan(change.StorageKey, obj);
        }

        var type = Registry.ForStorage(change.StorageKey);
        if (type is { Kind: "Namespace", IsCustom: false })
        {
            TerminateNamespace(obj.Name);
        }
        else if (type is { Kind: "CustomResourceDefinition", Group: "apiextensions.k8s.io" } && obj.Finalizers.Contains(ResourceService.CrdCleanupFinalizer))
        {
            CheckCrd(obj.Name);
        }
    }

    private void OwnerGone(string key, StoredObject dependent, string ownerUid)
    {
        var others = dependent.Owners.Where(o => o.Uid != ownerUid).ToList();
        if (others.Any(o => Store.GetByUid(o.Uid) is not null))
        {
            Mutate(key, dependent, obj => RemoveOwner(obj, ownerUid));
            return;
        }

        Delete(key, dependent, PropagationPolicy.Background);
    }

    private void Foreground(string key, StoredObject owner)
    {
        var dependents = Store.Dependents(owner.Uid);
        foreach (var (dependentKey, dependent) in dependents)
        {
            if (!dependent.IsDeleting)
            {
                Delete(dependentKey, dependent, PropagationPolicy.Foreground);
            }
        }

        var blocking = Store.Dependents(owner.Uid).Any(d => d.Obj.Owners.Any(o => o.Uid == owner.Uid && o.BlockOwnerDeletion));
        if (!blocking)
        {
            Mutate(key, owner, obj => RemoveFinalizer(obj, ResourceService.ForegroundFinalizer));
        }
    }

    private void Orphan(string key, StoredObject owner)
    {
        foreach (var (dependentKey, dependent) in Store.Dependents(owner.Uid))
        {
            Mutate(dependentKey, dependent, obj => RemoveOwner(obj, owner.Uid));
        }

        Mutate(key, owner, obj => RemoveFinalizer(obj, ResourceService.OrphanFinalizer));
    }

    private void TerminateNamespace(string ns)
    {
        foreach (var (key, obj) in Store.InNamespace(ns))
        {
            if (!obj.IsDeleting)
            {
                Delete(key, obj, null);
            }
        }

        CheckNamespace(ns);
    }

    private void CheckNamespace(string ns)
    {
        var namespaces = Registry.Find(string.Empty, "v1", "namespaces")!;
        var space = Store.Get(namespaces.StorageKey, string.Empty, ns);
        if (space is null || !space.IsDeleting || Store.CountInNamespace(ns) > 0)
        {
            return;
        }

        _service.Mutate(namespaces, string.Empty, ns, obj =>
        {
            if (JsonUtil.Object(obj, "spec") is not { } spec || spec["finalizers"] is not JsonArray { Count: > 0 })
            {
                return false;
            }

            spec.Remove("finalizers");
            return true;
        });
    }

    private void CheckCrd(string crdName)
    {
        var crds = Registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        var crd = Store.Get(crds.StorageKey, string.Empty, crdName);
        if (crd is null || !crd.IsDeleting || !crd.Finalizers.Contains(ResourceService.CrdCleanupFinalizer))
        {
            return;
        }

        var group = JsonUtil.String(crd.Object, "spec", "group") ?? string.Empty;
        var plural = JsonUtil.String(crd.Object, "spec", "names", "plural") ?? string.Empty;
        var storageKey = $"{group}/{plural}";
        if (Registry.ForStorage(storageKey) is { } type)
        {
            foreach (var item in _service.List(type, null, LabelSelector.Everything, FieldSelector.Everything, 0, null, null).Items)
            {
                if (!item.IsDeleting)
                {
                    Delete(storageKey, item, null);
                }
            }
        }

        if (Store.Count(storageKey) == 0)
        {
            _service.Mutate(crds, string.Empty, crdName, obj => RemoveFinalizer(obj, ResourceService.CrdCleanupFinalizer));
        }
    }

    private void Delete(string key, StoredObject obj, PropagationPolicy? policy)
    {
        if (Registry.ForStorage(key) is not { } type)
        {
            return;
        }

        try
        {
            _service.Delete(type, obj.Namespace, obj.Name, new DeleteOptions(policy, obj.Uid, null), WriteContext.Controller());
        }
        catch (ApiException e) when (e.Code is 404 or 409)
        {
            // Gone or replaced meanwhile.
        }
    }

    private void Mutate(string key, StoredObject target, Func<JsonObject, bool> change)
    {
        if (Registry.ForStorage(key) is { } type)
        {
            _service.Mutate(type, target.Namespace, target.Name, obj => JsonUtil.String(obj, "metadata", "uid") == target.Uid && change(obj));
        }
    }

    private static bool RemoveOwner(JsonObject obj, string ownerUid)
    {
        if (JsonUtil.Array(obj, "metadata", "ownerReferences") is not { } owners)
        {
            return false;
        }

        var index = owners.Select((o, i) => (o, i)).FirstOrDefault(p => JsonUtil.String(p.o, "uid") == ownerUid, (null, -1)).Item2;
        if (index < 0)
        {
            return false;
        }

        owners.RemoveAt(index);
        if (owners.Count == 0)
        {
            JsonUtil.Metadata(obj).Remove("ownerReferences");
        }

        return true;
    }

    private static bool RemoveFinalizer(JsonObject obj, string finalizer)
    {
        if (JsonUtil.Array(obj, "metadata", "finalizers") is not { } finalizers)
        {
            return false;
        }

        var index = finalizers.Select((f, i) => (f, i)).FirstOrDefault(p => (string?)p.f == finalizer, (null, -1)).Item2;
        if (index < 0)
        {
            return false;
        }

        finalizers.RemoveAt(index);
        if (finalizers.Count == 0)
        {
            JsonUtil.Metadata(obj).Remove("finalizers");
        }

        return true;
    }
}
