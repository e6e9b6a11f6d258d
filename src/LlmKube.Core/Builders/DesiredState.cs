using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Validation;
using LlmKube.Core.Cache;
using LlmKube.Core.Models;
using LlmKube.Core.Policy;

namespace LlmKube.Core.Builders;

/// <summary>
/// Everything the operator wants to exist for one service, computed purely from the Model, the service and
/// the settings. The reconciler applies it; <c>render</c> prints it. When an issue stops serving, nothing is
/// built, so a service never starts on a volume or with a shape the user did not ask for.
/// </summary>
public sealed record DesiredState
{
    public required CachePlan Plan { get; init; }

    public required IReadOnlyList<SpecIssue> Issues { get; init; }

    public V1Deployment? Deployment { get; init; }

    /// <summary>The Kubernetes Service in front of the pods (not the InferenceService).</summary>
    public V1Service? KubernetesService { get; init; }

    /// <summary>The cache claim the operator provisions (shared or perService); never a user's claim.</summary>
    public V1PersistentVolumeClaim? Claim { get; init; }

    public bool Serves => Deployment is not null;

    public IEnumerable<SpecIssue> Blocking => Issues.Where(i => i.StopsServing);

    public static DesiredState For(Model model, InferenceService service, WorkloadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(settings);
        var plan = ModelCacheDecision.Decide(model, service, settings);
        var issues = SpecChecks.CheckService(service, model).ToList();
        issues.AddRange(OptionIssues(model, service, settings, plan));
        if (issues.Any(i => i.StopsServing))
        {
            return new DesiredState { Plan = plan, Issues = issues };
        }

        return new DesiredState
        {
            Plan = plan,
            Issues = issues,
            Claim = CacheClaimBuilder.ForPlan(plan, service, settings),
            Deployment = DeploymentBuilder.Build(model, service, settings, plan),
            KubernetesService = KubernetesServiceBuilder.Build(service),
        };
    }

    private static IEnumerable<SpecIssue> OptionIssues(Model model, InferenceService service, WorkloadSettings settings, CachePlan plan)
    {
        foreach (var violation in WorkloadPolicy.Check(service.Spec, settings))
        {
            yield return violation;
        }

        if (plan.UsesFetcher && ModelClassification.HostPathRefusal(model.Spec, settings.AllowedHostPathRoots) is { } refusal)
        {
            // Admission accepts it; the operator refuses it for its configuration, so it is a block, not an invalid manifest.
            yield return new SpecIssue(IssueSeverity.NotSupported, Reasons.SourceNotAllowed, "spec.modelRef", $"Model {model.Metadata.Name}: {refusal}");
        }
    }
}
