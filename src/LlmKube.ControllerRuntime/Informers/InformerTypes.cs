using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>What happened to an object, as seen by an informer.</summary>
public enum InformerEventType
{
    /// <summary>The object appeared (initial list, a watch ADDED, or found by a re-list).</summary>
    Added,

    /// <summary>The object changed (resourceVersion differs).</summary>
    Updated,

    /// <summary>The object is gone (watch DELETED, or missing from a re-list: a synthesized delete).</summary>
    Deleted,

    /// <summary>Periodic replay of a cached object; nothing changed on the server.</summary>
    Resync,
}

/// <summary>One informer notification. <see cref="OldObject"/> is set for updates (and equals
/// <see cref="Object"/> for resyncs). Objects are shared with the cache: never mutate them.</summary>
public readonly record struct InformerEvent<T>(InformerEventType Type, T Object, T? OldObject = null)
    where T : class;

/// <summary>Non-generic view of an informer (for the manager, health checks and metrics).</summary>
public interface IInformer
{
    /// <summary>The watched resource.</summary>
    ApiResource Resource { get; }

    /// <summary>Namespace scope (null: all namespaces).</summary>
    string? Namespace { get; }

    /// <summary>True once the first full list has been stored and delivered to handlers.</summary>
    bool HasSynced { get; }

    /// <summary>Completes when <see cref="HasSynced"/> becomes true.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    /// <summary>Lists and watches until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>Observes informer activity (metrics).</summary>
public interface IInformerObserver
{
    /// <summary>A full (paged) list finished; <paramref name="relist"/> is false for the first one.</summary>
    void Listed(ApiResource resource, bool relist);

    /// <summary>A periodic resync replayed the cache.</summary>
    void Resynced(ApiResource resource);

    /// <summary>A list or watch failed with a transport or server error (back-off follows).</summary>
    void Failed(ApiResource resource);

    /// <summary>A watch event was processed.</summary>
    void WatchEvent(ApiResource resource, WatchEventType type);
}

/// <summary>Settings of an <see cref="Informer{T}"/>.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespace to watch; null or empty watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>Label selector applied to list and watch.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector applied to list and watch.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>LIST page size (<c>limit</c>); default 500.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>Period of the cache replay to handlers; null or zero disables it. Default 10 minutes.</summary>
    public TimeSpan? ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Server-side watch timeout is random in [this, 2×this]; default 5 minutes (client-go's 5–10 min).</summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First back-off after a transport error (jittered); default 1 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Keep <c>metadata.managedFields</c> in cached objects; default false (lists and watch events are decoded without
    /// them; controller-runtime's DefaultTransform drops them after decoding), to keep the caches small.
    /// </summary>
    public bool KeepManagedFields { get; init; }

    /// <summary>Back-off cap; default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Helpers on object metadata.</summary>
internal static class MetaExtensions
{
    public static string? Rv<T>(this T obj)
        where T : IMetadata<V1ObjectMeta> => obj.Metadata?.ResourceVersion;
}
