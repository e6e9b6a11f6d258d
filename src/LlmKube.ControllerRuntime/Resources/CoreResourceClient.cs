using k8s;
using k8s.Models;

namespace LlmKube.ControllerRuntime;

/// <summary>The typed core/v1 calls for one kind (lists and watches go through <see cref="ApiGet"/>).</summary>
internal sealed record CoreOperations<T>(
    Func<ICoreV1Operations, string?, string, CancellationToken, Task<T>> Read,
    Func<ICoreV1Operations, V1Patch, string?, string, bool, CancellationToken, Task<T>> Patch);

/// <summary><see cref="IResourceClient{T}"/> over KubernetesClient's typed core/v1 methods.</summary>
internal sealed class CoreResourceClient<T> : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IKubernetes _client;
    private readonly CoreOperations<T> _ops;

    public CoreResourceClient(IKubernetes client, ApiResource resource, CoreOperations<T> ops)
    {
        _client = client;
        Resource = resource;
        _ops = ops;
    }

    public ApiResource Resource { get; }

    public Task<ListPage<T>> ListAsync(ListRequest request, CancellationToken cancellationToken) =>
        ApiGet.ListAsync<T>(_client, Resource, request, cancellationToken);

    public IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(WatchRequest request, Action<Exception> onError, CancellationToken cancellationToken) =>
        WatchStream.WatchAsync<T>(_client, Resource, request, onError, cancellationToken);

    public Task<T?> GetAsync(string? @namespace, string name, CancellationToken cancellationToken) =>
        NotFound.OrNullAsync(() => _ops.Read(_client.CoreV1, @namespace, name, cancellationToken));

    public async Task<string?> PatchAsync(string? @namespace, string name, V1Patch patch, bool status, CancellationToken cancellationToken) =>
        (await _ops.Patch(_client.CoreV1, patch, @namespace, name, status, cancellationToken).ConfigureAwait(false)).Metadata?.ResourceVersion;
}
