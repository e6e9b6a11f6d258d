using System.Globalization;
using System.Text.Json.Nodes;
using LlmKube.Sandbox.Json;

namespace LlmKube.Sandbox.Storage;

/// <summary>An owner reference as the garbage collector needs it.</summary>
internal sealed record OwnerRef(string Uid, string ApiVersion, string Kind, string Name, bool Controller, bool BlockOwnerDeletion);

/// <summary>
/// One immutable version of a stored object. <see cref="Object"/> is never mutated after construction, so
/// it may be read concurrently; callers that want to change it take <see cref="Clone"/>.
/// </summary>
internal sealed class StoredObject
{
    public StoredObject(JsonObject obj)
    {
        JsonUtil.Materialize(obj);
        Object = obj;
        var meta = JsonUtil.Object(obj, "metadata");
        Namespace = JsonUtil.String(meta, "namespace") ?? string.Empty;
        Name = JsonUtil.String(meta, "name") ?? string.Empty;
        Uid = JsonUtil.String(meta, "uid") ?? string.Empty;
        ResourceVersion = long.TryParse(JsonUtil.String(meta, "resourceVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : 0;
        Labels = JsonUtil.StringMap(meta?["labels"]);
        Finalizers = JsonUtil.StringList(meta?["finalizers"]);
        IsDeleting = meta?["deletionTimestamp"] is not null;
        Owners = ReadOwners(meta?["ownerReferences"] as JsonArray);
        Json = JsonUtil.ToBytes(obj);
    }

    public JsonObject Object { get; }

    public byte[] Json { get; }

    public string Namespace { get; }

    public string Name { get; }

    public string Uid { get; }

    public long ResourceVersion { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public IReadOnlyList<string> Finalizers { get; }

    public IReadOnlyList<OwnerRef> Owners { get; }

    public bool IsDeleting { get; }

    /// <summary>A private, mutable deep copy.</summary>
    public JsonObject Clone() => JsonUtil.ParseObject(Json);

    private static IReadOnlyList<OwnerRef> ReadOwners(JsonArray? refs)
    {
        if (refs is null || refs.Count == 0)
        {
            return [];
        }

        var owners = new List<OwnerRef>(refs.Count);
        foreach (var item in refs)
        {
            var uid = JsonUtil.String(item, "uid");
            if (string.IsNullOrEmpty(uid))
            {
                continue;
            }

            owners.Add(new OwnerRef(
                uid,
                JsonUtil.String(item, "apiVersion") ?? string.Empty,
                JsonUtil.String(item, "kind") ?? string.Empty,
                JsonUtil.String(item, "name") ?? string.Empty,
                JsonUtil.Bool(item, "controller") ?? false,
                JsonUtil.Bool(item, "blockOwnerDeletion") ?? false));
        }

        return owners;
    }
}

internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change in the store. <see cref="Previous"/> is the version before a modification or deletion.</summary>
internal sealed record WatchEvent(long Revision, string StorageKey, WatchEventType Type, StoredObject Object, StoredObject? Previous);
