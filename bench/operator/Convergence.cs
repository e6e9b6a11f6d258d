using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LlmKube.ControllerRuntime;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Operator.Controllers;

namespace LlmKube.Bench.Operator;

/// <summary>
/// Watches Deployments and Services (no repeated lists, which would load the server during the measurement) until
/// every service has its Service and a Deployment equal to what the builders want. The wanted Deployment specs are
/// built before the clock starts, so the check costs the timed window one serialisation per event.
/// </summary>
internal sealed class Convergence : IDisposable
{
    private readonly ConcurrentDictionary<(string, string), bool> _deployments = new();
    private readonly ConcurrentDictionary<(string, string), bool> _services = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<(string, string), JsonNode?> _wanted;
    private readonly Task _watchers;

    public Convergence(IKubernetes client, Workload workload)
    {
        var options = new OperatorOptions();
        _wanted = workload.ServiceKeys.ToDictionary(key => key, key => KubernetesJsonNodes.ToNode(
            DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), Workload.ServiceFor(key.Namespace, key.Name), options).Deployment!.Spec));
        _watchers = Task.WhenAll(WatchDeploymentsAsync(client), WatchServicesAsync(client));
    }

    public async Task WaitAllCorrectAsync(Workload workload, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (workload.ServiceKeys.Any(k => !_deployments.GetValueOrDefault(k) || !_services.ContainsKey(k)))
        {
            if (DateTime.UtcNow > deadline || _watchers.IsFaulted)
            {
                throw new TimeoutException("not converged", _watchers.Exception);
            }

            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task WatchDeploymentsAsync(IKubernetes client)
    {
        await foreach (var (type, deployment) in client.AppsV1.WatchListDeploymentForAllNamespacesAsync(cancellationToken: _stop.Token).ConfigureAwait(false))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified)
            {
                var key = (deployment.Metadata.NamespaceProperty, deployment.Metadata.Name);
                _deployments[key] = IsCorrect(deployment, key);
            }
        }
    }

    private async Task WatchServicesAsync(IKubernetes client)
    {
        await foreach (var (type, service) in client.CoreV1.WatchListServiceForAllNamespacesAsync(cancellationToken: _stop.Token).ConfigureAwait(false))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified)
            {
                _services[(service.Metadata.NamespaceProperty, service.Metadata.Name)] = true;
            }
        }
    }

    private bool IsCorrect(V1Deployment live, (string Namespace, string Name) key) =>
        _wanted.TryGetValue(key, out var wanted) && JsonSubset.Contains(KubernetesJsonNodes.ToNode(live.Spec), wanted);
}
