using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Admission;
using LlmKube.Sandbox.Json;
using LlmKube.Sandbox.Patching;
using LlmKube.Sandbox.Resources;
using LlmKube.Sandbox.Selectors;
using LlmKube.Sandbox.Storage;
using Microsoft.Extensions.Logging;

namespace LlmKube.Sandbox.Api;

/// <summary>
/// The API server's registry logic between HTTP and storage: create, read, list, update, patch, apply and
/// delete with the semantics the operator depends on (uid, timestamps, generation, status subresource,
/// optimistic concurrency, finalizers, propagation policies). Controllers inside the sandbox use it too.
/// </summary>
internal sealed partial class ResourceService
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly Admitter _admitter;
    private readonly ApplyMemory _applied;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _names = new();
    private int _nextServiceIp = 10;

    public ResourceService(ObjectStore store, ResourceRegistry registry, Admitter admitter, ApplyMemory applied, TimeProvider time, ILogger logger)
    {
        _store = store;
        _registry = registry;
        _admitter = admitter;
        _applied = applied;
        _time = time;
        _logger = logger;
    }

    public ObjectStore Store => _store;

    public ResourceRegistry Registry => _registry;

    private string Now => JsonUtil.Timestamp(_time.GetUtcNow());

    public StoredObject Get(ResourceType type, string ns, string name) =>
        _store.Get(type.StorageKey, ns, name) ?? throw ApiException.NotFound(type.Group, type.Plural, name);

    public StoredObject? Find(ResourceType type, string ns, string name) => _store.Get(type.StorageKey, ns, name);

    /// <summary>Lists with selectors and paging. A <c>resourceVersion=0</c> list ignores <c>limit</c>, as the watch cache does.</summary>
    public ListPage List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, long limit, string? continueToken, string? resourceVersion)
    {
        (string, string)? after = null;
        if (!string.IsNullOrEmpty(continueToken))
        {
            after = DecodeContinue(continueToken);
        }

        if (resourceVersion == "0")
        {
            limit = 0;
        }

        Func<StoredObject, bool>? filter = labels.IsEmpty && fields.IsEmpty
            ? null
            : obj => labels.Matches(obj.Labels) && (fields.IsEmpty || fields.Matches(obj.Object));
        return _store.List(type.StorageKey, ns, filter, limit, after);
    }

    public static string EncodeContinue(long revision, (string Namespace, string Name) next)
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["ns"] = next.Namespace, ["start"] = next.Name };
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (string, string) DecodeContinue(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var json = JsonUtil.ParseObject(Convert.FromBase64String(padded));
            return (JsonUtil.String(json, "ns") ?? string.Empty, JsonUtil.String(json, "start") ?? string.Empty);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw ApiException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }

    public StoredObject Create(ResourceType type, string ns, JsonObject body, WriteContext context)
    {
        var obj = Presenter.ToStorage(type, body);
        var meta = JsonUtil.Metadata(obj);
        CheckNamespace(type, ns, meta);
        var name = JsonUtil.String(meta, "name");
        if (string.IsNullOrEmpty(name))
        {
            var generate = JsonUtil.String(meta, "generateName");
            if (string.IsNullOrEmpty(generate))
            {
                throw ApiException.Invalid(type.Group, type.Kind, string.Empty, [FieldError.Required("metadata.name", "name or generateName is required")]);
            }

            name = generate + RandomSuffix();
            meta["name"] = name;
        }

        if (JsonUtil.String(meta, "resourceVersion") is { Length: > 0 })
        {
            throw ApiException.Internal("resourceVersion should not be set on objects to be created");
        }

        if (type.Namespaced)
        {
            RequireActiveNamespace(type, ns, name);
        }

        var uid = Guid.NewGuid().ToString();
        meta["uid"] = uid;
        meta["creationTimestamp"] = Now;
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("managedFields");
        meta.Remove("selfLink");
        if (type.HasGeneration)
        {
            meta["generation"] = 1;
        }
        else
        {
            meta.Remove("generation");
        }

        if (!context.Internal)
        {
            PrepareStatusForCreate(type, obj);
            _admitter.Admit(type, obj, null, context);
            AdmitCreateExtras(type, obj, uid, name);
        }

        if (context.DryRun)
        {
            JsonUtil.Metadata(obj).Remove("resourceVersion");
            return new StoredObject(obj);
        }

        var stored = _store.Create(type, obj);
        AfterWrite(type, stored, removed: false);
        return stored;
    }

    private void CheckNamespace(ResourceType type, string ns, JsonObject meta)
    {
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        var given = JsonUtil.String(meta, "namespace");
        if (!string.IsNullOrEmpty(given) && given != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        meta["namespace"] = ns;
    }

    private void RequireActiveNamespace(ResourceType type, string ns, string name)
    {
        var namespaces = _registry.Find(string.Empty, "v1", "namespaces")!;
        var space = _store.Get(namespaces.StorageKey, string.Empty, ns) ?? throw ApiException.NotFound(string.Empty, "namespaces", ns);
        if (space.IsDeleting)
        {
            throw ApiException.Forbidden(
                type.Group,
                type.Plural,
                name,
                $"{type.GroupResource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private void PrepareStatusForCreate(ResourceType type, JsonObject obj)
    {
        if (type.StatusSubresource && type.Kind != "Node")
        {
            obj.Remove("status");
        }

        if (type.IsCustom)
        {
            return;
        }

        switch (type.Kind)
        {
            case "Namespace":
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case "PersistentVolumeClaim":
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
            case "PersistentVolume":
                obj["status"] = new JsonObject { ["phase"] = "Available" };
                break;
            case "Pod":
                obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = "BestEffort" };
                break;
            case "Service":
                obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
                break;
            case "Deployment" or "ReplicaSet" or "Job":
                obj["status"] = new JsonObject();
                break;
            case "CustomResourceDefinition":
                obj["status"] = CrdValidation.AcceptedStatus(obj, Now);
                break;
        }
    }

    private void AdmitCreateExtras(ResourceType type, JsonObject obj, string uid, string name)
    {
        switch (type.Kind)
        {
            case "Job":
                BuiltinDefaults.JobSelector(obj, uid, name);
                break;
            case "Service" when obj["spec"] is JsonObject spec && (string?)spec["type"] != "ExternalName" && spec["clusterIP"] is null:
                var ip = Interlocked.Increment(ref _nextServiceIp);
                var address = string.Create(CultureInfo.InvariantCulture, $"10.96.{(ip / 250) % 250}.{(ip % 250) + 1}");
                spec["clusterIP"] = address;
                spec["clusterIPs"] = new JsonArray(address);
                break;
            case "PersistentVolumeClaim" when obj["spec"] is JsonObject claim && claim["storageClassName"] is null:
                if (DefaultStorageClass() is { } storageClass)
                {
                    claim["storageClassName"] = storageClass;
                }

                break;
        }
    }

    private string? DefaultStorageClass()
    {
        var classes = _registry.Find("storage.k8s.io", "v1", "storageclasses")!;
        var page = _store.List(classes.StorageKey, null, o => JsonUtil.String(o.Object, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true", 0, null);
        return page.Items.Count > 0 ? page.Items[0].Name : null;
    }

    private string RandomSuffix()
    {
        lock (_names)
        {
            return string.Create(5, _names, (span, random) =>
            {
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = GenerateNameAlphabet[random.Next(GenerateNameAlphabet.Length)];
                }
            });
        }
    }

    /// <summary>Keeps the registry in step with stored CRDs and forgets apply history of removed objects.</summary>
    private void AfterWrite(ResourceType type, StoredObject stored, bool removed)
    {
        if (removed)
        {
            _applied.Forget(stored.Uid);
        }

        if (type.Group != "apiextensions.k8s.io" || type.Kind != "CustomResourceDefinition")
        {
            return;
        }

        if (removed)
        {
            _registry.RemoveCustom(stored.Name);
            _logger.LogInformation("CRD {Crd} removed; its resources are no longer served", stored.Name);
        }
        else
        {
            _registry.SetCustom(stored.Name, CrdTypes.From(stored.Object));
            _logger.LogInformation("CRD {Crd} registered", stored.Name);
        }
    }
}
