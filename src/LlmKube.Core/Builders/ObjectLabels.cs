using k8s.Models;
using LlmKube.Api;
using LlmKube.Api.Services;
using LlmKube.Contracts;

namespace LlmKube.Core.Builders;

/// <summary>Names, labels and owner references shared by every generated object.</summary>
public static class ObjectLabels
{
    public const string App = "app";
    public const string ModelLabel = ApiGroup.Group + "/model";
    public const string InferenceServiceLabel = ApiGroup.Group + "/service";
    public const string RuntimeLabel = ApiGroup.Group + "/runtime";

    public const string NameLabel = KubernetesLabels.Name;
    public const string ComponentLabel = KubernetesLabels.Component;
    public const string ManagedByLabel = KubernetesLabels.ManagedBy;
    public const string CacheComponent = "model-cache";
    public const string OperatorManager = "llmkube-controller";

    /// <summary>Pod and Deployment labels: the selector pair plus model and runtime.</summary>
    public static Dictionary<string, string> ForWorkload(InferenceService service) => new()
    {
        [App] = service.Metadata.Name,
        [ModelLabel] = service.Spec.ModelRef,
        [InferenceServiceLabel] = service.Metadata.Name,
        [RuntimeLabel] = Runtimes.LlamaCpp,
    };

    /// <summary>The selector stays on app and service only, so the model reference may change (upstream #301).</summary>
    public static Dictionary<string, string> Selector(InferenceService service) => new()
    {
        [App] = service.Metadata.Name,
        [InferenceServiceLabel] = service.Metadata.Name,
    };

    /// <summary>Labels of claims the operator creates; upstream uses the same, so its CLI finds ours.</summary>
    public static Dictionary<string, string> ForCacheClaim() => new()
    {
        [NameLabel] = KubernetesLabels.Llmkube,
        [ComponentLabel] = CacheComponent,
        [ManagedByLabel] = OperatorManager,
    };

    /// <summary>The Deployment's name: the service's own name, as upstream.</summary>
    public static string DeploymentName(InferenceService service) => service.Metadata.Name;

    /// <summary>The Service's name: the service name with dots replaced, as upstream.</summary>
    public static string KubernetesServiceName(InferenceService service) => service.Metadata.Name.Replace('.', '-');

    public static V1OwnerReference ControllerReference(InferenceService service) => new()
    {
        ApiVersion = ApiGroup.ApiVersion,
        Kind = InferenceService.KindName,
        Name = service.Metadata.Name,
        Uid = service.Metadata.Uid,
        Controller = true,
        // Upstream sets false on purpose: true would need update on inferenceservices/finalizers.
        BlockOwnerDeletion = false,
    };
}
