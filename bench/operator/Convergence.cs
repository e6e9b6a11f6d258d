using k8s;
using LlmKube.Api.Services;
using LlmKube.Operator.Builders;
using LlmKube.Operator.Configuration;

namespace LlmKube.Bench.Operator;

/// <summary>Polls until every service has its Deployment, equal to what the builders want, and its Service.</summary>
internal static class Convergence
{
    public static async Task WaitAllCorrectAsync(IKubernetes client, Workload workload, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var options = new OperatorOptions();
        while (DateTime.UtcNow < deadline)
        {
            var deployments = (await client.AppsV1.ListDeploymentForAllNamespacesAsync()).Items.ToDictionary(d => (d.Metadata.NamespaceProperty, d.Metadata.Name));
            var services = (await client.CoreV1.ListServiceForAllNamespacesAsync()).Items.Select(s => (s.Metadata.NamespaceProperty, s.Metadata.Name)).ToHashSet();
            var correct = workload.ServiceKeys.Count(key =>
                deployments.TryGetValue(key, out var live) && services.Contains(key) && IsCorrect(live, key, options));
            if (correct == workload.Services)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("not converged");
    }

    private static bool IsCorrect(k8s.Models.V1Deployment live, (string Namespace, string Name) key, OperatorOptions options)
    {
        var service = Workload.ServiceFor(key.Namespace, key.Name);
        var desired = DesiredState.For(Workload.ReadyModelFor(key.Namespace, key.Name), service, options).Deployment!;
        desired.Metadata.OwnerReferences = null;
        return LlmKube.Operator.Controllers.JsonSubset.Contains(live.Spec, desired.Spec);
    }
}
