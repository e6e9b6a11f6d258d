using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>Options of one LIST request.</summary>
/// <param name="Namespace">Namespace to list, or null for all namespaces (or a cluster-scoped resource).</param>
/// <param name="LabelSelector">Label selector, or null.</param>
/// <param name="FieldSelector">Field selector, or null.</param>
/// <param name="Limit">Page size, or null for everything at once.</param>
/// <param name="Continue">Continue token of the previous page.</param>
/// <param name="KeepManagedFields">
/// False: the items are decoded without <c>metadata.managedFields</c> (see
/// <see cref="KubernetesJsonNodes.WithoutManagedFields"/>), for a cache that drops them.
/// </param>
public sealed record ListRequest(string? Namespace, string? LabelSelector = null, string? FieldSelector = null, int? Limit = null, string? Continue = null,
    bool KeepManagedFields = true);

/// <summary>One page of a LIST.</summary>
public sealed record ListPage<T>(IReadOnlyList<T> Items, string? ResourceVersion, string? Continue);

/// <summary>Options of one WATCH request.</summary>
/// <param name="KeepManagedFields">
/// False: the events' objects are decoded without <c>metadata.managedFields</c> (see
/// <see cref="KubernetesJsonNodes.WithoutManagedFields"/>), for a cache that drops them.
/// </param>
public sealed record WatchRequest(
    string? Namespace,
    string? ResourceVersion,
    string? LabelSelector = null,
    string? FieldSelector = null,
    bool AllowBookmarks = true,
    int? TimeoutSeconds = null,
    bool KeepManagedFields = true);

/// <summary>
/// The typed operations a controller needs on one resource type, on top of KubernetesClient.
/// Implementations: custom resources and non-core groups go through <c>CustomObjects</c>; core/v1 kinds
/// use the client's typed methods (see <see cref="ResourceKinds"/>); both watch through <see cref="WatchStream"/>.
/// </summary>
public interface IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The resource type.</summary>
    ApiResource Resource { get; }

    /// <summary>Lists one page.</summary>
    Task<ListPage<T>> ListAsync(ListRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Watches. Server-side ERROR events (e.g. 410 Gone) are passed to <paramref name="onError"/> as a
    /// <see cref="KubernetesException"/> and end the stream normally; transport failures are thrown.
    /// </summary>
    IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(WatchRequest request, Action<Exception> onError, CancellationToken cancellationToken);

    /// <summary>Reads one object; null when it does not exist.</summary>
    Task<T?> GetAsync(string? @namespace, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Patches the object (or its <c>/status</c> subresource when <paramref name="status"/>) and returns the
    /// resourceVersion the server answered with. Only that is read from the answer: callers work from their informer's
    /// cache, and decoding the whole object back cost a tenth of the operator's client time.
    /// </summary>
    Task<string?> PatchAsync(string? @namespace, string name, V1Patch patch, bool status, CancellationToken cancellationToken);
}

/// <summary>A resource type together with how to build its typed client from an <see cref="IKubernetes"/>.</summary>
public sealed class ResourceKind<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Func<IKubernetes, IResourceClient<T>> _factory;

    /// <summary>Creates a descriptor.</summary>
    public ResourceKind(ApiResource resource, Func<IKubernetes, IResourceClient<T>> factory)
    {
        Resource = resource ?? throw new ArgumentNullException(nameof(resource));
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
    }

    /// <summary>Where the resource lives in the API.</summary>
    public ApiResource Resource { get; }

    /// <summary>Creates the typed client.</summary>
    public IResourceClient<T> CreateClient(IKubernetes client) => _factory(client ?? throw new ArgumentNullException(nameof(client)));

    /// <inheritdoc/>
    public override string ToString() => Resource.ToString();
}

/// <summary>Factory of <see cref="ResourceKind{T}"/> for custom resources and other non-core groups.</summary>
public static class ResourceKind
{
    /// <summary>
    /// A resource served under <c>/apis/{group}/{version}</c> (a custom resource, or a built-in such as
    /// <c>apps/v1</c> Deployments), accessed through <c>CustomObjects</c> and deserialized to <typeparamref name="T"/>.
    /// </summary>
    public static ResourceKind<T> Custom<T>(ApiResource resource)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (string.IsNullOrEmpty(resource.Group))
        {
            throw new ArgumentException("core/v1 resources need a typed client; see ResourceKinds", nameof(resource));
        }

        return new ResourceKind<T>(resource, c => new CustomObjectsResourceClient<T>(c, resource));
    }

    /// <summary>
    /// Same as <see cref="Custom{T}(ApiResource)"/>, reading group, version, plural and kind from
    /// <typeparamref name="T"/>'s <see cref="KubernetesEntityAttribute"/>.
    /// </summary>
    public static ResourceKind<T> Custom<T>(bool namespaced = true)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var attr = typeof(T).GetCustomAttributes(typeof(KubernetesEntityAttribute), false).OfType<KubernetesEntityAttribute>().FirstOrDefault()
            ?? throw new ArgumentException($"{typeof(T).Name} has no [KubernetesEntity]");
        return Custom<T>(new ApiResource(attr.Group, attr.ApiVersion, attr.PluralName, attr.Kind, namespaced));
    }
}
