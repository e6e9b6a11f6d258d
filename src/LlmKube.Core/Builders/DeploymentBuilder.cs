using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>Builds the service's Deployment from the Model, the service, the workload settings and the cache plan.</summary>
public static class DeploymentBuilder
{
    public static V1Deployment Build(Model model, InferenceService service, WorkloadSettings settings, CachePlan plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plan);
        var spec = service.Spec;
        var gpu = GpuRequest.Resolve(model.Spec, spec);
        var podSecurity = PodSecurity(spec, settings);
        var storage = PodStorage.Build(model, service, settings, plan, podSecurity);
        var labels = ObjectLabels.ForWorkload(service);

        var podLabels = new Dictionary<string, string>(spec.PodLabels ?? new Dictionary<string, string>());
        foreach (var (key, value) in labels)
        {
            podLabels[key] = value; // operator labels win: the selector depends on them
        }

        var volumes = storage.Volumes.Concat(spec.ExtraVolumes ?? []).ToList();
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = ObjectLabels.DeploymentName(service),
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = labels,
                OwnerReferences = [ObjectLabels.ControllerReference(service)],
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = DesiredReplicas(spec),
                RevisionHistoryLimit = spec.RevisionHistoryLimit,
                Selector = new V1LabelSelector { MatchLabels = ObjectLabels.Selector(service) },
                // A GPU pod must release its GPU before its replacement can start.
                Strategy = gpu.Any ? new V1DeploymentStrategy { Type = "Recreate" } : null,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = podLabels,
                        Annotations = spec.PodAnnotations is { Count: > 0 } annotations ? new Dictionary<string, string>(annotations) : null,
                    },
                    Spec = new V1PodSpec
                    {
                        InitContainers = storage.InitContainers.Count > 0 ? [.. storage.InitContainers] : null,
                        Containers = [ServerContainer.Build(model, service, settings, plan, gpu, storage.ServerMount)],
                        Volumes = volumes.Count > 0 ? volumes : null,
                        SecurityContext = podSecurity,
                        NodeSelector = spec.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                        Tolerations = Tolerations(spec, gpu),
                        Affinity = spec.Affinity,
                        TopologySpreadConstraints = spec.TopologySpreadConstraints is { Count: > 0 } spread ? [.. spread] : null,
                        RuntimeClassName = spec.RuntimeClassName,
                        PriorityClassName = PriorityClass(spec),
                        ImagePullSecrets = spec.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets] : null,
                        // The server never talks to the API server.
                        AutomountServiceAccountToken = false,
                    },
                },
            },
        };
    }

    /// <summary>spec.replicas (default 1), or 0 while suspended.</summary>
    public static int DesiredReplicas(InferenceServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Suspend == true ? 0 : spec.Replicas ?? 1;
    }

    /// <summary>The user's context verbatim, else seccomp RuntimeDefault plus the operator's fsGroup when above 0.</summary>
    public static V1PodSecurityContext PodSecurity(InferenceServiceSpec spec, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        return spec.PodSecurityContext ?? new V1PodSecurityContext
        {
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            FsGroup = settings.DefaultFsGroup > 0 ? settings.DefaultFsGroup : null,
        };
    }

    /// <summary>An explicit class name wins; a priority level maps to llmkube-&lt;level&gt;; otherwise none.</summary>
    public static string? PriorityClass(InferenceServiceSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.PriorityClassName is { Length: > 0 } name)
        {
            return name;
        }

        return spec.Priority is { Length: > 0 } level ? $"llmkube-{level}" : null;
    }

    private static List<V1Toleration>? Tolerations(InferenceServiceSpec spec, GpuRequest gpu)
    {
        var tolerations = new List<V1Toleration>();
        if (gpu.Any)
        {
            tolerations.Add(new V1Toleration { Key = gpu.TolerationKey, OperatorProperty = "Equal", Value = "present", Effect = "NoSchedule" });
        }

        tolerations.AddRange(spec.Tolerations ?? []);
        return tolerations.Count > 0 ? tolerations : null;
    }
}
