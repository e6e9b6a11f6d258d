using k8s.Models;

namespace LlmKube.Core.Tests;

/// <summary>
/// The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, v1.32) written out
/// independently of the operator's policy, so a test can say which levels a generated pod passes. Each finding is
/// "field: problem". The sandbox has no Pod Security Admission, so this is the checker the suite can run.
/// </summary>
internal static class PodSecurityStandards
{
    private static readonly HashSet<string> BaselineCapabilities =
        ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"];

    private static readonly HashSet<string> SafeSysctls =
    [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ];

    public static List<string> Baseline(V1PodSpec pod)
    {
        var found = new List<string>();
        if (pod.HostNetwork == true || pod.HostPID == true || pod.HostIPC == true)
        {
            found.Add("spec.host{Network,PID,IPC}: host namespaces");
        }

        if (pod.SecurityContext?.WindowsOptions?.HostProcess == true)
        {
            found.Add("spec.securityContext.windowsOptions.hostProcess");
        }

        foreach (var volume in pod.Volumes ?? [])
        {
            if (volume.HostPath is not null)
            {
                found.Add($"spec.volumes[{volume.Name}].hostPath");
            }
        }

        foreach (var sysctl in pod.SecurityContext?.Sysctls ?? [])
        {
            if (!SafeSysctls.Contains(sysctl.Name))
            {
                found.Add($"spec.securityContext.sysctls[{sysctl.Name}]");
            }
        }

        if (pod.SecurityContext?.SeccompProfile?.Type == "Unconfined")
        {
            found.Add("spec.securityContext.seccompProfile.type: Unconfined");
        }

        SeLinux(pod.SecurityContext?.SeLinuxOptions, "spec.securityContext.seLinuxOptions", found);
        foreach (var (path, container) in Containers(pod))
        {
            var context = container.SecurityContext;
            if (context?.Privileged == true)
            {
                found.Add($"{path}.securityContext.privileged");
            }

            foreach (var capability in context?.Capabilities?.Add ?? [])
            {
                if (!BaselineCapabilities.Contains(capability))
                {
                    found.Add($"{path}.securityContext.capabilities.add[{capability}]");
                }
            }

            if (context?.SeccompProfile?.Type == "Unconfined")
            {
                found.Add($"{path}.securityContext.seccompProfile.type: Unconfined");
            }

            if (context?.ProcMount is { Length: > 0 } procMount && procMount != "Default")
            {
                found.Add($"{path}.securityContext.procMount");
            }

            if (context?.WindowsOptions?.HostProcess == true)
            {
                found.Add($"{path}.securityContext.windowsOptions.hostProcess");
            }

            SeLinux(context?.SeLinuxOptions, $"{path}.securityContext.seLinuxOptions", found);
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is > 0)
                {
                    found.Add($"{path}.ports[{port.Name}].hostPort");
                }
            }

            foreach (var (probeName, probe) in new[] { ("startupProbe", container.StartupProbe), ("livenessProbe", container.LivenessProbe), ("readinessProbe", container.ReadinessProbe) })
            {
                if (probe?.HttpGet?.Host is { Length: > 0 } || probe?.TcpSocket?.Host is { Length: > 0 })
                {
                    found.Add($"{path}.{probeName}.host");
                }
            }
        }

        return found;
    }

    /// <summary>Restricted = baseline plus these.</summary>
    public static List<string> Restricted(V1PodSpec pod)
    {
        var found = Baseline(pod);
        foreach (var volume in pod.Volumes ?? [])
        {
            if (volume is not ({ ConfigMap: not null } or { Csi: not null } or { DownwardAPI: not null } or { EmptyDir: not null } or { Ephemeral: not null }
                or { PersistentVolumeClaim: not null } or { Projected: not null } or { Secret: not null }))
            {
                found.Add($"spec.volumes[{volume.Name}]: only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes");
            }
        }

        var podNonRoot = pod.SecurityContext?.RunAsNonRoot;
        var podSeccomp = pod.SecurityContext?.SeccompProfile?.Type;
        if (pod.SecurityContext?.RunAsUser == 0)
        {
            found.Add("spec.securityContext.runAsUser: 0");
        }

        foreach (var (path, container) in Containers(pod))
        {
            var context = container.SecurityContext;
            if (context?.AllowPrivilegeEscalation != false)
            {
                found.Add($"{path}.securityContext.allowPrivilegeEscalation: must be false");
            }

            if ((context?.RunAsNonRoot ?? podNonRoot) != true)
            {
                found.Add($"{path}.securityContext.runAsNonRoot: must be true");
            }

            if (context?.RunAsUser == 0)
            {
                found.Add($"{path}.securityContext.runAsUser: 0");
            }

            if ((context?.SeccompProfile?.Type ?? podSeccomp) is not ("RuntimeDefault" or "Localhost"))
            {
                found.Add($"{path}.securityContext.seccompProfile: must be RuntimeDefault or Localhost");
            }

            if (context?.Capabilities?.Drop?.Contains("ALL") != true)
            {
                found.Add($"{path}.securityContext.capabilities.drop: must include ALL");
            }

            foreach (var capability in context?.Capabilities?.Add ?? [])
            {
                if (capability != "NET_BIND_SERVICE")
                {
                    found.Add($"{path}.securityContext.capabilities.add[{capability}]: only NET_BIND_SERVICE");
                }
            }
        }

        return found;
    }

    private static IEnumerable<(string Path, V1Container Container)> Containers(V1PodSpec pod) =>
        (pod.InitContainers ?? []).Select(c => ($"spec.initContainers[{c.Name}]", c))
            .Concat(pod.Containers.Select(c => ($"spec.containers[{c.Name}]", c)));

    private static void SeLinux(V1SELinuxOptions? options, string path, List<string> found)
    {
        if (options?.Type is { Length: > 0 } type && type is not ("container_t" or "container_init_t" or "container_kvm_t" or "container_engine_t"))
        {
            found.Add($"{path}.type");
        }

        if (options?.User is { Length: > 0 } || options?.Role is { Length: > 0 })
        {
            found.Add($"{path}.user/role");
        }
    }
}
