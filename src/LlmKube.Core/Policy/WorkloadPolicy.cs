using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.Core.Models;

namespace LlmKube.Core.Policy;

/// <summary>The operator's <c>--pod-security-level</c>: how much of a pod a namespace user may shape through an InferenceService.</summary>
public static class PodSecurityLevels
{
    /// <summary>The default: what the user writes into the pod must pass Pod Security <c>baseline</c>.</summary>
    public const string Baseline = "baseline";

    /// <summary>No pod-security check by the operator (the namespace's Pod Security Admission still applies).</summary>
    public const string Privileged = "privileged";
}

/// <summary>
/// What the operator refuses to build for a namespace user, because creating an InferenceService must not give more
/// than creating a pod in that namespace under Pod Security <c>baseline</c> (docs/SECURITY.md, "Tenants"). Every rule
/// checks a field the user wrote (the operator's own init containers pass baseline by construction: root with only
/// CHOWN and FOWNER added, both in baseline's list) and names that field and the flag that would allow it.
/// </summary>
public static class WorkloadPolicy
{
    public const string LevelFlag = "--pod-security-level";
    public const string ImagesFlag = "--allowed-images";
    public const string HostRootsFlag = "--allowed-host-path-roots";

    /// <summary>Pod Security baseline's allowed added capabilities.</summary>
    public static readonly IReadOnlySet<string> BaselineCapabilities = new HashSet<string>(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    /// <summary>Pod Security baseline's safe sysctls.</summary>
    public static readonly IReadOnlySet<string> SafeSysctls = new HashSet<string>(StringComparer.Ordinal)
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    };

    /// <summary>Every violation in <paramref name="spec"/> under <paramref name="settings"/>; empty when the service may be built.</summary>
    public static IEnumerable<SpecIssue> Check(InferenceServiceSpec spec, WorkloadSettings settings)
    {
        foreach (var issue in OwnVolumes(spec))
        {
            yield return issue;
        }

        var found = new List<(string Field, string Problem, string Flag)>();
        HostPaths(spec, settings, found);
        if (settings.AllowedImages.Count > 0 && spec.Image is { Length: > 0 } image && !settings.AllowedImages.Any(p => image.StartsWith(p, StringComparison.Ordinal)))
        {
            found.Add(("spec.image", $"\"{image}\" does not start with an allowed prefix ({string.Join(", ", settings.AllowedImages)})", ImagesFlag));
        }

        if (settings.PodSecurityLevel != PodSecurityLevels.Privileged)
        {
            Baseline(spec, found);
        }

        foreach (var (field, problem, flag) in found)
        {
            yield return new SpecIssue(IssueSeverity.NotSupported, Reasons.PolicyViolation, field,
                $"{problem}: not allowed by the operator's workload policy (an operator flag would allow it: {flag})");
        }
    }

    /// <summary>
    /// The operator's own volumes (the model cache, the pvc:// source, the host file, the fetcher's CAs) are never the
    /// user's to mount or to shadow: a mount of model-cache would give the user's container write access to every
    /// service's cached models. No flag allows it.
    /// </summary>
    public static IEnumerable<SpecIssue> OwnVolumes(InferenceServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        for (var i = 0; i < (spec.ExtraVolumes?.Count ?? 0); i++)
        {
            if (Builders.PodStorage.OperatorVolumes.Contains(spec.ExtraVolumes![i].Name))
            {
                yield return new SpecIssue(IssueSeverity.Invalid, Reasons.PolicyViolation, $"spec.extraVolumes[{i}].name",
                    $"volume name {spec.ExtraVolumes[i].Name} is the operator's own ({string.Join(", ", Builders.PodStorage.OperatorVolumes)}): choose another name");
            }
        }

        for (var i = 0; i < (spec.ExtraVolumeMounts?.Count ?? 0); i++)
        {
            if (Builders.PodStorage.OperatorVolumes.Contains(spec.ExtraVolumeMounts![i].Name))
            {
                yield return new SpecIssue(IssueSeverity.Invalid, Reasons.PolicyViolation, $"spec.extraVolumeMounts[{i}].name",
                    $"volume {spec.ExtraVolumeMounts[i].Name} is the operator's own and is mounted only where the operator puts it: mount a volume from spec.extraVolumes");
            }
        }
    }

    private static void Baseline(InferenceServiceSpec spec, List<(string, string, string)> found)
    {
        const string flag = LevelFlag + "=" + PodSecurityLevels.Privileged;
        if (spec.SecurityContext is { } container)
        {
            if (container.Privileged == true)
            {
                found.Add(("spec.securityContext.privileged", "a privileged container", flag));
            }

            foreach (var capability in (container.Capabilities?.Add ?? []).Where(c => !BaselineCapabilities.Contains(c)))
            {
                found.Add(("spec.securityContext.capabilities.add", $"capability {capability} is beyond Pod Security baseline", flag));
            }

            if (container.SeccompProfile?.Type == "Unconfined")
            {
                found.Add(("spec.securityContext.seccompProfile.type", "seccomp Unconfined", flag));
            }

            if (container.AppArmorProfile?.Type == "Unconfined")
            {
                found.Add(("spec.securityContext.appArmorProfile.type", "AppArmor Unconfined", flag));
            }

            if (container.ProcMount is { Length: > 0 } procMount && procMount != "Default")
            {
                found.Add(("spec.securityContext.procMount", $"procMount {procMount}", flag));
            }

            SeLinux(container.SeLinuxOptions, "spec.securityContext.seLinuxOptions", found, flag);
            if (container.WindowsOptions?.HostProcess == true)
            {
                found.Add(("spec.securityContext.windowsOptions.hostProcess", "a host process", flag));
            }
        }

        if (spec.PodSecurityContext is { } pod)
        {
            if (pod.SeccompProfile?.Type == "Unconfined")
            {
                found.Add(("spec.podSecurityContext.seccompProfile.type", "seccomp Unconfined", flag));
            }

            if (pod.AppArmorProfile?.Type == "Unconfined")
            {
                found.Add(("spec.podSecurityContext.appArmorProfile.type", "AppArmor Unconfined", flag));
            }

            foreach (var sysctl in (pod.Sysctls ?? []).Where(s => !SafeSysctls.Contains(s.Name)))
            {
                found.Add(("spec.podSecurityContext.sysctls", $"sysctl {sysctl.Name} is not in Pod Security baseline's safe set", flag));
            }

            SeLinux(pod.SeLinuxOptions, "spec.podSecurityContext.seLinuxOptions", found, flag);
            if (pod.WindowsOptions?.HostProcess == true)
            {
                found.Add(("spec.podSecurityContext.windowsOptions.hostProcess", "a host process", flag));
            }
        }

        foreach (var (name, probe) in new[] { ("startup", spec.ProbeOverrides?.Startup), ("liveness", spec.ProbeOverrides?.Liveness), ("readiness", spec.ProbeOverrides?.Readiness) })
        {
            if (probe?.HttpGet?.Host is { Length: > 0 } httpHost)
            {
                found.Add(($"spec.probeOverrides.{name}.httpGet.host", $"the kubelet would probe host {httpHost}", flag));
            }

            if (probe?.TcpSocket?.Host is { Length: > 0 } tcpHost)
            {
                found.Add(($"spec.probeOverrides.{name}.tcpSocket.host", $"the kubelet would probe host {tcpHost}", flag));
            }
        }

        if (DeploymentPriority(spec) is { } priority && priority.StartsWith("system-", StringComparison.Ordinal))
        {
            found.Add(("spec.priorityClassName", $"priority class {priority} is reserved for the cluster's own components", flag));
        }

        for (var i = 0; i < (spec.ExtraVolumes?.Count ?? 0); i++)
        {
            if (spec.ExtraVolumes![i].Projected?.Sources?.Any(s => s.ServiceAccountToken is not null) == true)
            {
                found.Add(($"spec.extraVolumes[{i}].projected.sources.serviceAccountToken", "a service-account token (the server pods run with automountServiceAccountToken: false)", flag));
            }
        }
    }

    // hostPath is governed by the host roots at every level: baseline forbids it altogether, so a root an administrator
    // allowed is the only way a path gets in (and those pods then need a namespace that admits hostPath).
    private static void HostPaths(InferenceServiceSpec spec, WorkloadSettings settings, List<(string, string, string)> found)
    {
        for (var i = 0; i < (spec.ExtraVolumes?.Count ?? 0); i++)
        {
            if (spec.ExtraVolumes![i].HostPath?.Path is not { } path)
            {
                continue;
            }

            if (!path.StartsWith('/') || path.Split('/').Any(s => s is ".." or "."))
            {
                found.Add(($"spec.extraVolumes[{i}].hostPath.path", $"\"{path}\" is not an absolute path without . or .. segments", HostRootsFlag));
            }
            else if (!ModelClassification.IsUnder(path, settings.AllowedHostPathRoots))
            {
                var roots = settings.AllowedHostPathRoots.Count == 0 ? "none are configured" : string.Join(", ", settings.AllowedHostPathRoots);
                found.Add(($"spec.extraVolumes[{i}].hostPath.path", $"host path {path} is outside the allowed host-path roots ({roots})", HostRootsFlag));
            }
        }
    }

    private static void SeLinux(V1SELinuxOptions? options, string field, List<(string, string, string)> found, string flag)
    {
        if (options is null)
        {
            return;
        }

        if (options.Type is { Length: > 0 } type && type is not ("container_t" or "container_init_t" or "container_kvm_t" or "container_engine_t"))
        {
            found.Add(($"{field}.type", $"SELinux type {type}", flag));
        }

        if (options.User is { Length: > 0 } || options.Role is { Length: > 0 })
        {
            found.Add(($"{field}.user/role", "a custom SELinux user or role", flag));
        }
    }

    private static string? DeploymentPriority(InferenceServiceSpec spec) => Builders.DeploymentBuilder.PriorityClass(spec);
}
