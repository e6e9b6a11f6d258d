using k8s.Models;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Contracts;
using LlmKube.Core.Cache;

namespace LlmKube.Core.Builders;

/// <summary>
/// ★ The Job of <c>llmkube cache preload</c>: the serving pod's own fetcher containers (prep, then the downloader as
/// the Job's container) on the claim the plan names, so the entry lands at <c>&lt;cacheKey&gt;/</c> under the same
/// lock a service started meanwhile waits on. Scheduled like the service (nodeSelector, tolerations, affinity), so a
/// node-local claim is filled where the service will run.
/// </summary>
public static class PreloadJobBuilder
{
    public const string Component = "cache-preload";
    public const string ClaimAnnotation = "llmkube.dev/cache-claim";
    public const string CacheKeyAnnotation = "llmkube.dev/cache-key";
    public const string ModelAnnotation = "llmkube.dev/model";

    /// <summary>A finished Job deletes itself after a day: long enough to read its outcome.</summary>
    public const int TtlSeconds = 86_400;

    public static V1Job Build(Model model, InferenceService service, WorkloadSettings settings, CachePlan plan)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Claim is not { } claim)
        {
            throw new ArgumentException($"there is no cache claim to preload: the model lives on {plan.Describe()}", nameof(plan));
        }

        var spec = service.Spec;
        var podSecurity = DeploymentBuilder.PodSecurity(spec, settings);
        var storage = PodStorage.Build(model, service, settings, plan, podSecurity);
        var labels = new Dictionary<string, string>
        {
            [ObjectLabels.NameLabel] = KubernetesLabels.Llmkube,
            [ObjectLabels.ManagedByLabel] = "llmkube-cli",
            [ObjectLabels.ComponentLabel] = Component,
        };
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                GenerateName = "llmkube-preload-",
                NamespaceProperty = service.Metadata.NamespaceProperty ?? "default",
                Labels = labels,
                Annotations = new Dictionary<string, string> { [ClaimAnnotation] = claim.Name, [CacheKeyAnnotation] = plan.CacheKey, [ModelAnnotation] = model.Metadata.Name },
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 2,
                TtlSecondsAfterFinished = TtlSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        AutomountServiceAccountToken = false,
                        EnableServiceLinks = false,
                        SecurityContext = podSecurity,
                        NodeSelector = spec.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                        Tolerations = spec.Tolerations,
                        Affinity = spec.Affinity,
                        InitContainers = storage.InitContainers.Take(storage.InitContainers.Count - 1).ToList(),
                        Containers = [storage.InitContainers[^1]],
                        Volumes = storage.Volumes.ToList(),
                    },
                },
            },
        };
    }
}
