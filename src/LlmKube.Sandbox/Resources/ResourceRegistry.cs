using System.Collections.Frozen;

namespace LlmKube.Sandbox.Resources;

/// <summary>
/// The set of served resources: the built-ins plus one entry per served version of each established CRD.
/// Readers get an immutable snapshot without locking; writers (CRD changes) swap it.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IReadOnlyList<ResourceType>> _custom = new(StringComparer.Ordinal);
    private Snapshot _snapshot;

    public ResourceRegistry()
    {
        _snapshot = Build(BuiltinTypes.All, 1);
    }

    /// <summary>Changes every time the set of resources changes (discovery and OpenAPI hashes use it).</summary>
    public long Generation => _snapshot.Generation;

    public IReadOnlyList<ResourceType> All => _snapshot.All;

    public ResourceType? Find(string group, string version, string plural) =>
        _snapshot.ByGvr.GetValueOrDefault(Key(group, version, plural));

    public ResourceType? FindKind(string apiVersion, string kind) =>
        _snapshot.ByApiVersionKind.GetValueOrDefault(apiVersion + "|" + kind);

    /// <summary>The type whose version is the storage version for a storage key.</summary>
    public ResourceType? ForStorage(string storageKey) => _snapshot.StorageTypes.GetValueOrDefault(storageKey);

    public bool HasGroupVersion(string group, string version) =>
        _snapshot.All.Any(t => t.Group == group && t.Version == version);

    public void SetCustom(string crdName, IReadOnlyList<ResourceType> types)
    {
        lock (_gate)
        {
            _custom[crdName] = types;
            Rebuild();
        }
    }

    public void RemoveCustom(string crdName)
    {
        lock (_gate)
        {
            if (_custom.Remove(crdName))
            {
                Rebuild();
            }
        }
    }

    private void Rebuild()
    {
        var all = new List<ResourceType>(BuiltinTypes.All);
        foreach (var types in _custom.Values)
        {
            all.AddRange(types);
        }

        _snapshot = Build(all, _snapshot.Generation + 1);
    }

    private static Snapshot Build(IReadOnlyList<ResourceType> all, long generation)
    {
        var byGvr = new Dictionary<string, ResourceType>(StringComparer.Ordinal);
        var byKind = new Dictionary<string, ResourceType>(StringComparer.Ordinal);
        var storage = new Dictionary<string, ResourceType>(StringComparer.Ordinal);
        foreach (var type in all)
        {
            byGvr.TryAdd(Key(type.Group, type.Version, type.Plural), type);
            byKind.TryAdd(type.ApiVersion + "|" + type.Kind, type);
            if (type.StorageApiVersion == type.ApiVersion)
            {
                storage.TryAdd(type.StorageKey, type);
            }
        }

        return new Snapshot(all, byGvr.ToFrozenDictionary(), byKind.ToFrozenDictionary(), storage.ToFrozenDictionary(), generation);
    }

    private static string Key(string group, string version, string plural) => $"{group}|{version}|{plural}";

    private sealed record Snapshot(
        IReadOnlyList<ResourceType> All,
        FrozenDictionary<string, ResourceType> ByGvr,
        FrozenDictionary<string, ResourceType> ByApiVersionKind,
        FrozenDictionary<string, ResourceType> StorageTypes,
        long Generation);
}
