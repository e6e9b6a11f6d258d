using EndToEnd.Tests.Support;
using k8s;
using LlmKube.Api;
using LlmKube.Api.Services;

namespace EndToEnd.Tests.Reliability;

/// <summary>What "converged, on the right claims, no duplicates, no orphans" means for a set of services.</summary>
internal static class ConvergenceChecks
{
    /// <summary>Waits until every listed service is Ready with its Deployment and Service, then checks the invariants.</summary>
    public static async Task AssertConvergedAsync(TestCluster cluster, IReadOnlyCollection<(string Namespace, string Name, string Claim)> expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var pending = expected.ToList();
        while (pending.Count > 0)
        {
            var services = await ListInferenceServicesAsync(cluster);
            pending = pending.Where(e => !services.TryGetValue((e.Namespace, e.Name), out var s) || s.Status?.Phase != ServicePhases.Ready).ToList();
            if (pending.Count == 0)
            {
                break;
            }

            if (DateTime.UtcNow > deadline)
            {
                var first = services.GetValueOrDefault((pending[0].Namespace, pending[0].Name));
                Assert.Fail($"{pending.Count} services not Ready in time, e.g. {pending[0].Namespace}/{pending[0].Name}: {(first?.Status is { } status ? KubernetesJson.Serialize(status) : "no status")}");
            }

            await Task.Delay(250);
        }

        var deployments = (await cluster.Client.AppsV1.ListDeploymentForAllNamespacesAsync()).Items;
        var kubeServices = (await cluster.Client.CoreV1.ListServiceForAllNamespacesAsync()).Items;
        var isvcs = await ListInferenceServicesAsync(cluster);
        foreach (var (ns, name, claim) in expected)
        {
            var deployment = Assert.Single(deployments, d => d.Metadata.NamespaceProperty == ns && d.Metadata.Name == name);
            Assert.Single(kubeServices, s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == name);
            var volume = deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == "model-cache");
            Assert.True(volume.PersistentVolumeClaim.ClaimName == claim, $"{ns}/{name} mounts {volume.PersistentVolumeClaim.ClaimName}, expected {claim}");
            Assert.Equal(claim, isvcs[(ns, name)].Status!.ModelCache!.ClaimName);
        }

        // No orphans: every operator-made Deployment belongs to an InferenceService that exists, with its uid.
        foreach (var deployment in deployments)
        {
            var owner = Assert.Single(deployment.Metadata.OwnerReferences);
            Assert.True(isvcs.TryGetValue((deployment.Metadata.NamespaceProperty, owner.Name), out var isvc) && isvc.Metadata.Uid == owner.Uid,
                $"orphaned Deployment {deployment.Metadata.NamespaceProperty}/{deployment.Metadata.Name}");
        }
    }

    public static async Task<Dictionary<(string, string), InferenceService>> ListInferenceServicesAsync(TestCluster cluster)
    {
        var list = await cluster.Client.CustomObjects.ListClusterCustomObjectAsync<InferenceServiceList>(ApiGroup.Group, ApiGroup.Version, InferenceService.Plural);
        return list.Items.ToDictionary(s => (s.Metadata.NamespaceProperty, s.Metadata.Name));
    }

    /// <summary>A namespace's claims as (name, resourceVersion, labels) to prove a user's claim was never written.</summary>
    public static async Task<Dictionary<string, string>> ClaimVersionsAsync(TestCluster cluster, string ns) =>
        (await cluster.Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.ToDictionary(c => c.Metadata.Name, c => c.Metadata.ResourceVersion);
}
