using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary><see cref="IResourceClient{T}"/> over <c>client.CustomObjects</c> (any resource under <c>/apis</c>).</summary>
internal sealed class CustomObjectsResourceClient<T> : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IKubernetes _client;

    public CustomObjectsResourceClient(IKubernetes client, ApiResource resource)
    {
        _client = client;
        Resource = resource;
    }

    public ApiResource Resource { get; }

    private string Group => Resource.Group;

    private string Version => Resource.Version;

    private string Plural => Resource.Plural;

    public Task<ListPage<T>> ListAsync(ListRequest request, CancellationToken cancellationToken) =>
        ApiGet.ListAsync<T>(_client, Resource, request, cancellationToken);

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(WatchRequest request, Action<Exception> onError, CancellationToken cancellationToken) =>
        WatchStream.WatchAsync<T>(_client, Resource, request, onError, cancellationToken);

    public Task<T?> GetAsync(string? @namespace, string name, CancellationToken cancellationToken) =>
        NotFound.OrNullAsync(() => Resource.Namespaced
            ? _client.CustomObjects.GetNamespacedCustomObjectAsync<T>(Group, Version, @namespace, Plural, name, cancellationToken)
            : _client.CustomObjects.GetClusterCustomObjectAsync<T>(Group, Version, Plural, name, cancellationToken));

    public async Task<string?> PatchAsync(string? @namespace, string name, V1Patch patch, bool status, CancellationToken cancellationToken)
    {
        // The answer is read into WrittenVersion: the JSON reader skips everything but metadata.resourceVersion.
        var co = _client.CustomObjects;
        var written = await ((Resource.Namespaced, status) switch
        {
            (true, false) => co.PatchNamespacedCustomObjectAsync<WrittenVersion>(patch, Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken),
            (true, true) => co.PatchNamespacedCustomObjectStatusAsync<WrittenVersion>(patch, Group, Version, @namespace, Plural, name, cancellationToken: cancellationToken),
            (false, false) => co.PatchClusterCustomObjectAsync<WrittenVersion>(patch, Group, Version, Plural, name, cancellationToken: cancellationToken),
            (false, true) => co.PatchClusterCustomObjectStatusAsync<WrittenVersion>(patch, Group, Version, Plural, name, cancellationToken: cancellationToken),
        }).ConfigureAwait(false);
        return written?.Metadata?.ResourceVersion;
    }

    /// <summary>The one field of a write's answer that <see cref="PatchAsync"/> reads.</summary>
    private sealed class WrittenVersion
    {
        public VersionOnly? Metadata { get; set; }

        public sealed class VersionOnly
        {
            public string? ResourceVersion { get; set; }
        }
    }
}
