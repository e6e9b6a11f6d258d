using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Models;
using LlmKube.Api.Services;
using LlmKube.Api.Sources;
using LlmKube.Api.Validation;
using LlmKube.Operator.Configuration;

namespace LlmKube.Operator.Builders;

/// <summary>
/// Everything the operator wants to exist for one service, computed purely from the Model, the service and
/// the options. The reconciler applies it; <c>render</c> prints it. When an issue stops serving, nothing is
/// built, so a service never starts on a volume or with a shape the user did not ask for.
/// </summary>
public sealed record DesiredState
{
    public required CachePlan Plan { get; init; }

    public required IReadOnlyList<SpecIssue> Issues { get; init; }

    public V1Deployment? Deployment { get; init; }

    public V1Service? Service { get; init; }

    /// <summary>The cache claim the operator provisions (shared or perService); never a user's claim.</summary>
    public V1PersistentVolumeClaim? Claim { get; init; }

    public bool Serves => Deployment is not null;

    public IEnumerable<SpecIssue> Blocking => Issues.Where(i => i.StopsServing);

    public static DesiredState For(Model model, InferenceService service, OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var plan = ModelCacheDecision.Decide(model, service, options);
        var issues = SpecChecks.CheckService(service, model).ToList();
        issues.AddRange(OptionIssues(model, options, plan));
        if (issues.Any(i => i.StopsServing))
        {
            return new DesiredState { Plan = plan, Issues = issues };
        }

        var claim = plan.Volume switch
        {
            CacheVolumes.Shared => CacheClaimBuilder.Shared(service.Metadata.NamespaceProperty ?? "default", options),
            CacheVolumes.PerService => CacheClaimBuilder.PerService(service, options),
            _ => null,
        };
        return new DesiredState
        {
            Plan = plan,
            Issues = issues,
            Claim = claim,
            Deployment = DeploymentBuilder.Build(model, service, options, plan),
            Service = ServiceBuilder.Build(service),
        };
    }

    private static IEnumerable<SpecIssue> OptionIssues(Model model, OperatorOptions options, CachePlan plan)
    {
        var source = ModelSource.Parse(model.Spec.Source);
        if (source.Kind == SourceKind.Local && plan.UsesFetcher && !PodStorage.IsAllowedLocalSource(source.Path!, options.AllowedHostPathRoots))
        {
            var roots = options.AllowedHostPathRoots.Count == 0 ? "none are configured" : string.Join(", ", options.AllowedHostPathRoots);
            // Admission accepts it; the operator refuses it for its configuration, so it is a block, not an invalid manifest.
            yield return new SpecIssue(IssueSeverity.NotSupported, "SourceNotAllowed", "spec.modelRef",
                $"Model {model.Metadata.Name}: spec.source \"{model.Spec.Source}\" is a host path outside the operator's --allowed-host-path-roots ({roots})");
        }
    }
}
