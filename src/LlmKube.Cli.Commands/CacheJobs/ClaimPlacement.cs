using k8s.Models;
using LlmKube.Cli.Cluster;
using LlmKube.Core.Builders;

namespace LlmKube.Cli.CacheJobs;

/// <summary>Decides where a cache Job runs and with which group, from the pods and Deployments that use the claim.</summary>
internal static class ClaimPlacement
{
    public static async Task<CachePlacement> ResolveAsync(KubeApi api, ClaimUsage usage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(usage);
        var mounting = (await api.ListPodsAsync(usage.Namespace, null, ct).ConfigureAwait(false))
            .Where(p => p.Spec?.Volumes?.Any(v => v.PersistentVolumeClaim?.ClaimName == usage.Name) == true)
            .OrderByDescending(p => p.Metadata.Labels?.ContainsKey(ObjectLabels.InferenceServiceLabel) == true)
            .ToList();
        var running = mounting.FirstOrDefault(p => p.Status?.Phase == "Running" && !string.IsNullOrEmpty(p.Spec.NodeName));
        var group = GroupOf(mounting.FirstOrDefault(p => p.Metadata.Labels?.ContainsKey(ObjectLabels.InferenceServiceLabel) == true)?.Spec);
        if (group is null)
        {
            foreach (var service in usage.Services)
            {
                var deployment = await api.GetDeploymentAsync(usage.Namespace, service.Name, ct).ConfigureAwait(false);
                if ((group = GroupOf(deployment?.Spec?.Template?.Spec)) is not null)
                {
                    break;
                }
            }
        }

        return new CachePlacement(running?.Spec.NodeName, running?.Spec.Tolerations, group ?? CachePlacement.DefaultGroup);
    }

    /// <summary>
    /// The group that owns the cache root: the pods' fsGroup (the prep container gives it group rwX), else the group the
    /// downloader runs in (prep gives that one the root: FetcherContainers.CacheGroup), else 100 for pods of older
    /// operators (whose prep used 100:100, mode 0770). Null when <paramref name="pod"/> is unknown.
    /// </summary>
    private static long? GroupOf(V1PodSpec? pod) => pod is null ? null
        : pod.SecurityContext?.FsGroup is > 0 and var fsGroup ? fsGroup
        : pod.InitContainers?.FirstOrDefault(c => c.Name == FetcherContainers.DownloaderName)?.SecurityContext?.RunAsGroup is > 0 and var group ? group
        : CachePlacement.NoFsGroupGroup;
}
