using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Cache;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.Contracts;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>The storage half of the pod: volumes, the server's read-only mount, and the fetcher init containers.</summary>
public sealed record PodStorage(IReadOnlyList<V1Volume> Volumes, V1VolumeMount? ServerMount, IReadOnlyList<V1Container> InitContainers)
{
    public const string CacheVolume = "model-cache";
    public const string EphemeralVolume = "model-storage";
    public const string SourceVolume = "model-source";
    public const string HostModelVolume = "host-model";
    public const string CaVolume = "custom-ca-cert";
    public const string CaMountPath = "/custom-certs";
    public const string HostModelMountDirectory = "/host-model";

    /// <summary>Every volume name the operator puts into a pod: never the user's to mount or reuse.</summary>
    public static readonly IReadOnlySet<string> OperatorVolumes = new HashSet<string>(StringComparer.Ordinal) { CacheVolume, EphemeralVolume, SourceVolume, HostModelVolume, CaVolume };

    public static PodStorage Build(Model model, InferenceService service, WorkloadSettings settings, CachePlan plan, V1PodSecurityContext podSecurity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Volume switch
        {
            ModelVolumeKind.None => new PodStorage([], null, []),
            ModelVolumeKind.PvcSource => new PodStorage(
                [new V1Volume { Name = SourceVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = plan.SourceClaim, ReadOnlyProperty = true } }],
                new V1VolumeMount { Name = SourceVolume, MountPath = ModelCacheDecision.SourceMountPath, ReadOnlyProperty = true },
                []),
            ModelVolumeKind.CacheClaim => Fetched(model, settings, plan, podSecurity, CacheVolume,
                new V1Volume { Name = CacheVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = plan.Claim!.Name } }),
            ModelVolumeKind.EmptyDir => Fetched(model, settings, plan, podSecurity, EphemeralVolume,
                new V1Volume { Name = EphemeralVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = EphemeralSizeLimit(service) } }),
        };
    }

    /// <summary>The model volume filled by the fetcher; a claim gets the prep container first (it may be owned by anyone).</summary>
    private static PodStorage Fetched(Model model, WorkloadSettings settings, CachePlan plan, V1PodSecurityContext podSecurity, string volumeName, V1Volume volume)
    {
        var volumes = new List<V1Volume> { volume };
        var downloader = FetcherContainers.Downloader(model, settings, plan, volumeName, podSecurity);
        AddLocalSource(model, settings, downloader, volumes);
        if (settings.CaCertConfigMap is { Length: > 0 } caMap)
        {
            volumes.Add(new V1Volume { Name = CaVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = caMap } });
            downloader.VolumeMounts.Add(new V1VolumeMount { Name = CaVolume, MountPath = CaMountPath, ReadOnlyProperty = true });
            downloader.Env.Add(new V1EnvVar { Name = FetcherEnvironment.CaDir, Value = CaMountPath });
        }

        var init = volume.PersistentVolumeClaim is not null
            ? new List<V1Container> { FetcherContainers.Prep(settings, volumeName, podSecurity), downloader }
            : [downloader];
        return new PodStorage(volumes, new V1VolumeMount { Name = volumeName, MountPath = ModelCacheDecision.MountPath, ReadOnlyProperty = true }, init);
    }

    // The size limit only applies to an explicit Ephemeral budget; the operator never guesses disk sizes.
    private static ResourceQuantity? EphemeralSizeLimit(InferenceService service) =>
        service.Spec.ModelCache?.Persistence == CachePersistence.Ephemeral && service.Spec.Resources?.EphemeralStorage is { Length: > 0 } budget
            ? new ResourceQuantity(budget)
            : null;

    // The host file reaches the downloader only (never the server), read-only, copied into the cache. The allowed root
    // directory is mounted, not the file: the kubelet resolves a hostPath on the host, so a symbolic link under the root
    // would be followed there (to /etc/shadow, say); inside the mounted root the fetcher resolves the path itself and a
    // link can only lead into the container's own file system, which is outside the allowed root and refused.
    private static void AddLocalSource(Model model, WorkloadSettings settings, V1Container downloader, List<V1Volume> volumes)
    {
        var source = ModelSource.Parse(model.Spec.Source);
        if (source.Kind != SourceKind.Local || AllowedRoot(source.Path!, settings.AllowedHostPathRoots) is not { } root)
        {
            return; // not a host file, or refused before anything is built (DesiredState's SourceNotAllowed)
        }

        volumes.Add(new V1Volume { Name = HostModelVolume, HostPath = new V1HostPathVolumeSource { Path = root, Type = "Directory" } });
        downloader.VolumeMounts.Add(new V1VolumeMount { Name = HostModelVolume, MountPath = HostModelMountDirectory, ReadOnlyProperty = true });
        downloader.Env.Single(e => e.Name == FetcherEnvironment.Source).Value = $"file://{HostModelMountDirectory}{source.Path![root.Length..]}";
        downloader.Env.Add(new V1EnvVar { Name = FetcherEnvironment.AllowedFileRoots, Value = HostModelMountDirectory });
    }

    /// <summary>The most specific allowed root the host path lies under (without its trailing slash), or null.</summary>
    public static string? AllowedRoot(string path, IReadOnlyList<string> roots)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(roots);
        return roots.Select(r => r.TrimEnd('/')).Where(r => r.Length > 0 && path.StartsWith(r + "/", StringComparison.Ordinal))
            .OrderByDescending(r => r.Length).FirstOrDefault();
    }
}
