using System.Diagnostics;
using k8s;
using LlmKube.Api.Schema;
using LlmKube.Core;
using LlmKube.Core.Builders;
using LlmKube.Operator.Configuration;
using LlmKube.Sandbox;

namespace LlmKube.Bench.Operator;

/// <summary>
/// The baseline: what the same objects cost when a program simply creates them, with the same builders and
/// the same parallelism as the operator's workers, against a fresh sandbox. No reading, no status, no events.
/// </summary>
internal static class BareLoop
{
    public static async Task<TimeSpan> RunAsync(Workload workload)
    {
        await using var server = await SandboxServer.StartAsync(new SandboxOptions());
        using var client = new Kubernetes(new KubernetesClientConfiguration { Host = server.BaseAddress.ToString(), AccessToken = server.AdminToken });
        foreach (var crd in CrdDefinitions.All())
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        }

        await workload.CreateNamespacesAsync(client);
        await workload.CreateCustomResourcesAsync(client, parallelism: 8);
        var options = new WorkloadSettings();
        var started = Stopwatch.StartNew();
        foreach (var ns in workload.NamespaceNames)
        {
            await client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(CacheClaimBuilder.Shared(ns, options), ns);
        }

        await Parallel.ForEachAsync(workload.ServiceKeys, new ParallelOptions { MaxDegreeOfParallelism = new OperatorOptions().Workers }, async (key, ct) =>
        {
            var service = Workload.ServiceFor(key.Namespace, key.Name);
            service.Metadata.Uid = Guid.NewGuid().ToString();
            var state = DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), service, options);
            await client.AppsV1.CreateNamespacedDeploymentAsync(state.Deployment!, key.Namespace, cancellationToken: ct);
            await client.CoreV1.CreateNamespacedServiceAsync(state.KubernetesService!, key.Namespace, cancellationToken: ct);
        });
        return started.Elapsed;
    }
}
