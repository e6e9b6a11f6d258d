using System.Globalization;
using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Builders;

/// <summary>
/// The two init containers that run <c>llmkube-fetch</c>. User values reach the fetcher only as
/// environment variables (never through a shell), and secrets only as secretKeyRef of the documented keys.
/// </summary>
public static class FetcherContainers
{
    /// <summary>The fetcher image's own user and the owner used for the volume root when there is no fsGroup.</summary>
    public const long FetcherUid = 100;
    public const long FetcherGid = 100;

    /// <summary>
    /// Fixes ownership of the volume root only (never recursively), as root with only CHOWN and FOWNER,
    /// because on CSI drivers without fsGroup support the non-root downloader could not write otherwise.
    /// </summary>
    public static V1Container Prep(OperatorOptions options, string volumeName, V1PodSecurityContext podSecurity)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(podSecurity);
        string[] ownerAndMode = podSecurity.FsGroup is > 0
            ? [$"0:{Number(podSecurity.FsGroup.Value)}", "g+rwX"]
            : [$"{Number(podSecurity.RunAsUser ?? FetcherUid)}:{Number(podSecurity.RunAsGroup ?? FetcherGid)}", "0770"];
        return new V1Container
        {
            Name = FetcherEnv.PrepContainer,
            Image = options.FetcherImage,
            Command = [FetcherEnv.Binary],
            Args = ["prep", ModelCacheDecision.MountPath, "--owner", ownerAndMode[0], "--mode", ownerAndMode[1]],
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

    public static V1Container Downloader(Model model, OperatorOptions options, CachePlan plan, string volumeName, V1PodSecurityContext podSecurity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(podSecurity);
        var spec = model.Spec;
        var env = new List<V1EnvVar> { new() { Name = FetcherEnv.Source, Value = spec.Source } };
        if (spec.Files is { Count: > 0 } || spec.Mmproj is { Length: > 0 })
        {
            var files = (spec.Files ?? []).Concat(spec.Mmproj is { Length: > 0 } m ? [m] : Array.Empty<string>());
            env.Add(new V1EnvVar { Name = FetcherEnv.DestDir, Value = plan.EntryDirectory });
            env.Add(new V1EnvVar { Name = FetcherEnv.Files, Value = string.Join('\n', files) });
        }
        else
        {
            env.Add(new V1EnvVar { Name = FetcherEnv.Dest, Value = plan.ModelPath });
        }

        if (spec.Sha256 is { Length: > 0 } sha)
        {
            env.Add(new V1EnvVar { Name = FetcherEnv.Sha256, Value = sha.ToLowerInvariant() });
        }

        env.Add(new V1EnvVar { Name = FetcherEnv.RefreshPolicy, Value = spec.RefreshPolicy is { Length: > 0 } policy ? policy : RefreshPolicies.IfNotPresent });
        env.Add(new V1EnvVar { Name = FetcherEnv.InlineCompletions, Value = "1" });
        if (spec.SourceSecretRef?.Name is { Length: > 0 } secret)
        {
            env.AddRange(FetcherEnv.SecretKeys.Select(key => new V1EnvVar
            {
                Name = key,
                ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = true } },
            }));
        }

        if (options.FetcherAllowedNetworks.Count > 0)
        {
            env.Add(new V1EnvVar { Name = FetcherEnv.AllowedNetworks, Value = string.Join(',', options.FetcherAllowedNetworks) });
        }

        if (!plan.UsesCacheClaim)
        {
            // An emptyDir dies with the pod: durability across crashes buys nothing there.
            env.Add(new V1EnvVar { Name = FetcherEnv.Fsync, Value = "false" });
        }

        return new V1Container
        {
            Name = FetcherEnv.DownloaderContainer,
            Image = options.FetcherImage,
            Command = [FetcherEnv.Binary],
            Args = ["fetch"],
            Env = env,
            VolumeMounts = [new V1VolumeMount { Name = volumeName, MountPath = ModelCacheDecision.MountPath }],
            TerminationMessagePolicy = "FallbackToLogsOnError",
            Resources = SmallResources(),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = podSecurity.RunAsUser ?? FetcherUid,
                RunAsGroup = podSecurity.RunAsGroup,
                AllowPrivilegeEscalation = false,
                Privileged = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    // The fetcher streams with bounded buffers (well under 64 MiB); the limit only guards against a runaway.
    private static V1ResourceRequirements SmallResources() => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("64Mi") },
        Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("512Mi") },
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
