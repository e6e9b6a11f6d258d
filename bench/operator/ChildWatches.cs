using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.Core.Builders;

namespace LlmKube.Bench.Operator;

/// <summary>
/// What a minimal informer does for the bare loop's children (<see cref="BareLoop.WatchesChildren"/>): a watch of the
/// Deployments and Services with the operator's label selector and one of claims, each from a resourceVersion listed
/// before the window, every event decoded and kept by namespace and name. <see cref="AllSeen"/> completes once every
/// service's Deployment and Service and each namespace's shared claim have arrived, so every event the window causes is
/// decoded inside it.
/// </summary>
internal sealed class ChildWatches : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<(string, string), V1Deployment> _deployments = new();
    private readonly ConcurrentDictionary<(string, string), V1Service> _services = new();
    private readonly ConcurrentDictionary<(string, string), V1PersistentVolumeClaim> _claims = new();

    private ChildWatches()
    {
    }

    /// <summary>Completes when every service's Deployment and Service and every namespace's claim is in the stores; faults if a watch fails.</summary>
    public Task AllSeen { get; private set; } = Task.CompletedTask;

    public static async Task<ChildWatches> OpenAsync(IKubernetes client, Workload workload)
    {
        var watches = new ChildWatches();
        var deployments = ResourceKinds.Deployments.CreateClient(client);
        var services = ResourceKinds.Services.CreateClient(client);
        var claims = ResourceKinds.PersistentVolumeClaims.CreateClient(client);
        // Each watch starts where a list before the window ended, so nothing written in the window is missed.
        var deploymentsFrom = await ResourceVersionAsync(deployments, ObjectLabels.RuntimeLabel);
        var servicesFrom = await ResourceVersionAsync(services, ObjectLabels.RuntimeLabel);
        var claimsFrom = await ResourceVersionAsync(claims, null);
        var token = watches._stop.Token;
        watches.AllSeen = Task.WhenAll(
            KeepAsync(deployments, deploymentsFrom, ObjectLabels.RuntimeLabel, watches._deployments, workload.Services, token),
            KeepAsync(services, servicesFrom, ObjectLabels.RuntimeLabel, watches._services, workload.Services, token),
            KeepAsync(claims, claimsFrom, null, watches._claims, workload.Namespaces, token));
        return watches;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private static async Task<string?> ResourceVersionAsync<T>(IResourceClient<T> client, string? selector)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (await client.ListAsync(new ListRequest(null, selector, Limit: 1), default)).ResourceVersion;

    private static async Task KeepAsync<T>(IResourceClient<T> client, string? resourceVersion, string? selector,
        ConcurrentDictionary<(string, string), T> store, int expected, CancellationToken stop)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var count = 0; // not store.Count, which takes every lock of the table
        try
        {
            await foreach (var (type, obj) in client.WatchAsync(new WatchRequest(null, resourceVersion, selector, AllowBookmarks: false), e => throw e, stop))
            {
                var key = (obj.Metadata.NamespaceProperty, obj.Metadata.Name);
                if (type == WatchEventType.Deleted)
                {
                    count -= store.TryRemove(key, out _) ? 1 : 0;
                }
                else if (store.TryAdd(key, obj))
                {
                    count++;
                }
                else
                {
                    store[key] = obj;
                }

                if (count == expected)
                {
                    return;
                }
            }

            throw new InvalidOperationException($"the watch of {client.Resource} ended with {count} of {expected} objects");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
