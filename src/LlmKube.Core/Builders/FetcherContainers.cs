using System.Globalization;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Contracts;
using LlmKube.Core.Cache;
using k8s.Models;

namespace LlmKube.Core.Builders;

/// <summary>
/// The two init containers that run <c>llmkube-fetch</c>. User values reach the fetcher only as
/// environment variables (never through a shell), and secrets only as secretKeyRef of the documented keys.
/// </summary>
public static class FetcherContainers
{
    public const string PrepName = "model-cache-prep";
    public const string DownloaderName = "model-downloader";

    /// <summary>The fetcher image's own user and the owner used for the volume root when there is no fsGroup.</summary>
    public const long FetcherUid = 100;
    public const long FetcherGid = 100;

    /// <summary>
    /// Fixes ownership of the volume root only (never recursively), as root with only CHOWN and FOWNER,
    /// because on CSI drivers without fsGroup support the non-root downloader could not write otherwise.
    /// </summary>
    public static V1Container Prep(WorkloadSettings settings, string volumeName, V1PodSecurityContext podSecurity)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(podSecurity);
        string[] ownerAndMode = CacheGroup(podSecurity, settings) is { } group
            ? [$"0:{Number(group)}", "g+rwX"]
            : [$"{Number(podSecurity.RunAsUser ?? FetcherUid)}:{Number(podSecurity.RunAsGroup ?? FetcherGid)}", "0770"];
        return new V1Container
        {
            Name = PrepName,
            Image = settings.FetcherImage,
            Command = [FetcherCommands.Binary],
            Args = [FetcherCommands.Prep, ModelCacheDecision.MountPath, "--owner", ownerAndMode[0], "--mode", ownerAndMode[1]],
            VolumeMounts = [new V1VolumeMount { Name = volumeName, MountPath = ModelCacheDecision.MountPath }],
            TerminationMessagePolicy = "FallbackToLogsOnError",
            Resources = SmallResources(),
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = 0,
                RunAsNonRoot = false,
                AllowPrivilegeEscalation = false,
                Privileged = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"], Add = ["CHOWN", "FOWNER"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    /// <summary>
    /// The group that owns the volume root (prep sets it 0:GROUP, g+rwX, as upstream): the pod's fsGroup, else its
    /// runAsGroup, else the operator's <c>--default-fsgroup</c> even when the pod has its own context without one. The
    /// root stays owned by uid 0, so a server running as root with every capability dropped can still read it (with
    /// an owner uid:gid and 0770 it could not). Null only when there is no group at all (fsGroup disabled, no
    /// runAsGroup): then the downloader's uid:gid owns it with 0770.
    /// </summary>
    public static long? CacheGroup(V1PodSecurityContext podSecurity, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(podSecurity);
        ArgumentNullException.ThrowIfNull(settings);
        return podSecurity.FsGroup is > 0 ? podSecurity.FsGroup
            : podSecurity.RunAsGroup is > 0 ? podSecurity.RunAsGroup
            : settings.DefaultFsGroup > 0 ? settings.DefaultFsGroup : null;
    }

    public static V1Container Downloader(Model model, WorkloadSettings settings, CachePlan plan, string volumeName, V1PodSecurityContext podSecurity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(podSecurity);
        var spec = model.Spec;
        var env = new List<V1EnvVar> { new() { Name = FetcherEnvironment.Source, Value = spec.Source } };
        if (spec.Files is { Count: > 0 } || spec.Mmproj is { Length: > 0 })
        {
            var files = (spec.Files ?? []).Concat(spec.Mmproj is { Length: > 0 } m ? [m] : Array.Empty<string>());
            env.Add(new V1EnvVar { Name = FetcherEnvironment.DestDir, Value = plan.EntryDirectory });
            env.Add(new V1EnvVar { Name = FetcherEnvironment.Files, Value = string.Join('\n', files) });
        }
        else
        {
            env.Add(new V1EnvVar { Name = FetcherEnvironment.Dest, Value = plan.ModelPath });
        }

        if (spec.Sha256 is { Length: > 0 } sha)
        {
            env.Add(new V1EnvVar { Name = FetcherEnvironment.Sha256, Value = sha.ToLowerInvariant() });
        }

        env.Add(new V1EnvVar { Name = FetcherEnvironment.RefreshPolicy, Value = spec.RefreshPolicy is { Length: > 0 } policy ? policy : RefreshPolicies.IfNotPresent });
        env.Add(new V1EnvVar { Name = FetcherEnvironment.InlineCompletions, Value = "1" });
        if (spec.SourceSecretRef?.Name is { Length: > 0 } secret)
        {
            env.AddRange(FetcherEnvironment.SourceSecretKeys.Select(key => new V1EnvVar
            {
                Name = key,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = true } },
            }));
        }

        if (settings.FetcherAllowedNetworks.Count > 0)
        {
            env.Add(new V1EnvVar { Name = FetcherEnvironment.AllowedNetworks, Value = string.Join(',', settings.FetcherAllowedNetworks) });
        }

        if (plan.Volume != ModelVolumeKind.CacheClaim)
        {
            // An emptyDir dies with the pod: durability across crashes buys nothing there.
            env.Add(new V1EnvVar { Name = FetcherEnvironment.Fsync, Value = "false" });
        }

        return new V1Container
        {
            Name = DownloaderName,
            Image = settings.FetcherImage,
            Command = [FetcherCommands.Binary],
            Args = [FetcherCommands.Fetch],
            Env = env,
            VolumeMounts = [new V1VolumeMount { Name = volumeName, MountPath = ModelCacheDecision.MountPath }],
            TerminationMessagePolicy = "FallbackToLogsOnError",
            Resources = SmallResources(),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = podSecurity.RunAsUser ?? FetcherUid,
                // Without an fsGroup the downloader's primary group is the one that owns the volume root (CacheGroup).
                RunAsGroup = podSecurity.RunAsGroup ?? (podSecurity.FsGroup is > 0 ? null : CacheGroup(podSecurity, settings)),
                AllowPrivilegeEscalation = false,
                Privileged = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    // Parsed once: a quantity is immutable, and parsing one costs big-integer arithmetic on every build.
    private static readonly ResourceQuantity SmallCpu = new("100m");
    private static readonly ResourceQuantity SmallMemory = new("64Mi");
    private static readonly ResourceQuantity SmallMemoryLimit = new("512Mi");

    // The fetcher streams with bounded buffers (well under 64 MiB); the limit only guards against a runaway.
    private static V1ResourceRequirements SmallResources() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = SmallCpu, ["memory"] = SmallMemory },
        Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = SmallMemoryLimit },
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
